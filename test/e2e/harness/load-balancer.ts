import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../support/redis.ts';
import { request } from './http.ts';
import { ManagedProcess, REPO_ROOT } from './process.ts';
import { GiveUp, waitFor } from './wait.ts';

export const HAPROXY_CONFIG = join(REPO_ROOT, 'deploy/haproxy/haproxy.cfg');
export const NGINX_CONFIG = join(REPO_ROOT, 'deploy/nginx/nginx.conf');

export type LoadBalancerKind = 'haproxy' | 'nginx';

export interface LoadBalancer {
  readonly kind: LoadBalancerKind;
  /** Where clients connect: `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

/** Fills the `${TELLTALE_*}` placeholders of a config and nothing else; a placeholder left empty is an error. */
export function fillPlaceholders(template: string, values: Record<string, string>): string {
  return template.replace(/\$\{(TELLTALE_[A-Z0-9_]+)\}/g, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no value for placeholder \${${name}}`);
    return value;
  });
}

/** The three socket nodes' `host:port`, as the configs name them. */
function nodeVariables(nodes: readonly string[]): Record<string, string> {
  if (nodes.length !== 3) throw new Error(`the deploy configs front exactly 3 nodes, got ${nodes.length}`);
  return { TELLTALE_NODE1: nodes[0]!, TELLTALE_NODE2: nodes[1]!, TELLTALE_NODE3: nodes[2]! };
}

/** Ready once an engine.io handshake through it reaches a node. */
async function waitUntilRouting(url: string, process: ManagedProcess): Promise<void> {
  await waitFor(
    async () => {
      if (!process.running) throw new GiveUp(`${process.name} exited:\n${process.tail()}`);
      const answer = await request(`${url}/socket.io/?EIO=4&transport=polling`, { timeoutMs: 2000 });
      return answer.status === 200;
    },
    { timeoutMs: 15_000, what: `${process.name} routing to a node`, intervalMs: 100 },
  );
}

/**
 * HAProxy with `deploy/haproxy/haproxy.cfg` exactly as committed: HAProxy expands the environment
 * variables itself. Readiness is probed every 200 ms here so failure scenarios stay short.
 */
export async function startHaproxy(nodes: readonly string[]): Promise<LoadBalancer> {
  const port = await freePort();
  const process = new ManagedProcess('haproxy', '/usr/sbin/haproxy', ['-db', '-f', HAPROXY_CONFIG], {
    PATH: globalThis.process.env.PATH ?? '',
    TELLTALE_LB_BIND: `127.0.0.1:${port}`,
    TELLTALE_CHECK_INTER: '200ms',
    ...nodeVariables(nodes),
  });
  process.start();
  const url = `http://127.0.0.1:${port}`;
  await waitUntilRouting(url, process);
  return {
    kind: 'haproxy',
    url,
    process,
    stop: async () => {
      await process.stop('SIGTERM', 3000);
    },
  };
}

/**
 * nginx with `deploy/nginx/nginx.conf`: only the `${TELLTALE_*}` addresses are filled in (what
 * `envsubst` does in production); pid, temp files and logs live in a private prefix directory.
 */
export async function startNginx(nodes: readonly string[]): Promise<LoadBalancer> {
  const port = await freePort();
  const prefix = await mkdtemp(join(tmpdir(), 'telltale-nginx-'));
  // Workers drop root to nobody; they must be able to reach the temp directories under the prefix.
  await chmod(prefix, 0o755);
  const config = join(prefix, 'nginx.conf');
  const template = await readFile(NGINX_CONFIG, 'utf8');
  await writeFile(
    config,
    fillPlaceholders(template, { TELLTALE_LB_LISTEN: `127.0.0.1:${port}`, ...nodeVariables(nodes) }),
  );
  const process = new ManagedProcess(
    'nginx',
    '/usr/sbin/nginx',
    ['-p', `${prefix}/`, '-e', 'stderr', '-c', config, '-g', 'daemon off;'],
    { PATH: globalThis.process.env.PATH ?? '' },
  );
  process.start();
  const url = `http://127.0.0.1:${port}`;
  await waitUntilRouting(url, process);
  return {
    kind: 'nginx',
    url,
    process,
    stop: async () => {
      await process.stop('SIGQUIT', 3000);
      await rm(prefix, { recursive: true, force: true });
    },
  };
}
