import { DurableObject } from 'cloudflare:workers';
import type { HistoryStorage } from '../../../src/aggregator/runtime.ts';
import { createSqliteHistoryStorage } from '../../../src/worker/sqlite-history.ts';

interface ProbeEnv {
  PROBE: DurableObjectNamespace<HistoryProbe>;
}

type Call = {
  [M in keyof HistoryStorage]: { method: M; args: Parameters<HistoryStorage[M]> };
}[keyof HistoryStorage];

/** Exposes one SQLite-backed HistoryStorage per object name, one method call per request. */
export class HistoryProbe extends DurableObject<ProbeEnv> {
  private readonly storage = createSqliteHistoryStorage(this.ctx.storage.sql);

  async call(call: Call): Promise<unknown> {
    const method = this.storage[call.method] as (...args: unknown[]) => Promise<unknown>;
    return (await method.apply(this.storage, call.args)) ?? null;
  }

  rows(table: 'ticks' | 'minutes' | 'alert_events'): number {
    return this.ctx.storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`).one().n;
  }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const object = env.PROBE.get(env.PROBE.idFromName(url.searchParams.get('object') ?? 'default'));
    if (url.pathname === '/call') return Response.json(await object.call(await request.json()));
    if (url.pathname === '/rows') {
      const table = url.searchParams.get('table');
      if (table !== 'ticks' && table !== 'minutes' && table !== 'alert_events')
        return new Response('bad table', { status: 400 });
      return Response.json(await object.rows(table));
    }
    return new Response('history probe');
  },
} satisfies ExportedHandler<ProbeEnv>;
