import type { StoreKind } from './cards.ts';

const KINDS: readonly StoreKind[] = ['memory', 'ioredis', 'upstash'];

/**
 * Which store the edge reads from, from its public `/health/ready` (its check is keyed
 * `<kind>:responseTime`, on a 503 too); null when the edge does not say.
 */
export async function loadStoreKind(base: string): Promise<StoreKind | null> {
  try {
    const response = await fetch(`${base}/health/ready`, {
      headers: { accept: 'application/health+json' },
      cache: 'no-store',
    });
    return storeKindOf(await response.json());
  } catch {
    return null;
  }
}

export function storeKindOf(report: unknown): StoreKind | null {
  if (typeof report !== 'object' || report === null || !('checks' in report)) return null;
  const { checks } = report;
  if (typeof checks !== 'object' || checks === null) return null;
  for (const key of Object.keys(checks)) {
    const kind = KINDS.find((k) => key === `${k}:responseTime`);
    if (kind) return kind;
  }
  return null;
}
