import { resolve } from 'node:path';
import { z } from 'zod';
import { type ConnectRequest, ConnectResult, Mark, type StartRequest } from '../processes/load-protocol.ts';
import {
  AnchorResult,
  CpuUsage,
  MemoryReport,
  ServerInfo,
  type SocketServerConfig,
} from '../processes/socket-server-config.ts';
import { Child, REPO_ROOT } from './rpc.ts';
import { profileFlags } from './settings.ts';

/** Typed handles on the bench's child processes. */

const SERVER_FILE = resolve(REPO_ROOT, 'bench/processes/socket-server.ts');
const LOAD_FILE = resolve(REPO_ROOT, 'bench/processes/load.ts');

export class SocketServer {
  private constructor(
    readonly name: string,
    readonly child: Child<ServerInfo>,
    /** Where its CPU profile lands once it exits (BENCH_CPU_PROF), else null. */
    readonly profileFolder: string | null,
  ) {}

  static async start(
    name: string,
    config: SocketServerConfig,
    nodeFlags: string[] = [],
    cpus: string | null = null,
  ): Promise<SocketServer> {
    const profile = profileFlags(name);
    const child = await Child.spawn(name, SERVER_FILE, ServerInfo, {
      config,
      nodeFlags: [...nodeFlags, ...profile.flags],
      cpus,
    });
    return new SocketServer(name, child, profile.folder);
  }

  get url(): string {
    return `http://127.0.0.1:${this.child.info.port}`;
  }

  usage() {
    return this.child.call('usage', null, CpuUsage);
  }
  memory() {
    return this.child.call('memory', null, MemoryReport);
  }
  connections() {
    return this.child.call('connections', null, z.number());
  }
  flush() {
    return this.child.call('flush', null, z.boolean());
  }
  anchor(socketId: string) {
    return this.child.call('anchor', { id: socketId }, AnchorResult);
  }
  anchorUser(userId: string) {
    return this.child.call('anchorUser', { id: userId }, AnchorResult);
  }
  stop() {
    return this.child.stop();
  }
}

export class LoadGenerator {
  private constructor(readonly child: Child<{ pid: number }>) {}

  static async start(name: string, cpus: string | null = null): Promise<LoadGenerator> {
    return new LoadGenerator(await Child.spawn(name, LOAD_FILE, z.object({ pid: z.number() }), { cpus }));
  }

  connect(request: ConnectRequest) {
    return this.child.call('connect', request, ConnectResult, 600_000);
  }
  start(request: StartRequest) {
    return this.child.call('start', request, z.null());
  }
  mark() {
    return this.child.call('mark', null, Mark);
  }
  stopWorkload() {
    return this.child.call('stop', null, z.number());
  }
  count() {
    return this.child.call('count', null, z.number());
  }
  close() {
    return this.child.call('close', null, z.number());
  }
  stop() {
    return this.child.stop();
  }
}

/** Polls until `check` is true or the deadline passes; returns whether it became true. */
export async function waitFor(
  check: () => Promise<boolean>,
  timeoutMs: number,
  everyMs = 50,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return check();
}
