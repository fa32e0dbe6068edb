#!/usr/bin/env node
// `pnpm lint`, packages part: packs each published package as a release would (`pnpm pack`, which
// runs prepack and rewrites workspace ranges) and checks the tarball with publint and attw.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

const root = fileURLToPath(new URL('..', import.meta.url));
const packages = ['shared', 'socket-node', 'edge-api'];
const work = mkdtempSync(join(tmpdir(), 'telltale-lint-packages-'));
let failed = false;
try {
  for (const name of packages) {
    const dest = join(work, name);
    execFileSync('pnpm', ['pack', '--pack-destination', dest], { cwd: join(root, name), stdio: 'ignore' });
    const tarball = join(
      dest,
      readdirSync(dest).find((file) => file.endsWith('.tgz')),
    );
    execFileSync('tar', ['xzf', tarball, '-C', dest]);
    const pkgDir = join(dest, 'package');
    const { messages, pkg } = await publint({ pkgDir, pack: false, strict: true, level: 'suggestion' });
    for (const message of messages) {
      console.log(`publint ${name}: ${message.type}: ${formatMessage(message, pkg)}`);
      if (message.type !== 'suggestion') failed = true;
    }
    try {
      // ESM-only packages: CommonJS `require` is not offered, so attw's esm-only profile.
      execFileSync(
        join(root, 'node_modules/.bin/attw'),
        [tarball, '--profile', 'esm-only', '--format', 'table-flipped'],
        {
          stdio: 'pipe',
        },
      );
      console.log(`attw ${name}: no problems`);
    } catch (error) {
      failed = true;
      console.log(`attw ${name}:\n${error.stdout?.toString() ?? error}`);
    }
    if (messages.length === 0) console.log(`publint ${name}: no problems`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
