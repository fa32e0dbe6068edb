import { readFile, writeFile } from 'node:fs/promises';
import { buildDashboard, GENERATED_PATH } from '../src/dashboard/build.ts';

/** `build-dashboard.ts` writes src/dashboard/assets.generated.ts; `--check` only says whether it is current. */
const check = process.argv.includes('--check');
const { module, sizes } = await buildDashboard();
const current = await readFile(GENERATED_PATH, 'utf8').catch(() => '');
const summary = `html ${sizes.html} B, js ${sizes.js} B, css ${sizes.css} B`;
if (check) {
  if (current !== module) {
    console.error(
      'src/dashboard/assets.generated.ts is out of date: run pnpm --filter @telltale/edge-api build:dashboard',
    );
    process.exitCode = 1;
  } else console.log(`dashboard assets are up to date (${summary})`);
} else if (current === module) {
  console.log(`dashboard assets unchanged (${summary})`);
} else {
  await writeFile(GENERATED_PATH, module);
  console.log(`wrote src/dashboard/assets.generated.ts (${summary})`);
}
