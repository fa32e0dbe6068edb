import { type BusinessEvents, clusterKeys, type TelltaleStore } from '@telltale/shared';
import type { Redis } from 'ioredis';
import type { Server } from 'socket.io';
import type { z } from 'zod';
import type { Instrumentation } from '../instrument/instrumentation.ts';
import type { InstrumentLogger } from '../instrument/log.ts';
import { BusinessEnvelope, type NodeClientEvents, type NodeServerEvents, roomOf } from './events.ts';

type NodeServer = Server<NodeClientEvents, NodeServerEvents>;

export type BusinessEnvelopeInput = z.input<typeof BusinessEnvelope>;

/** Validates a raw message from the events channel; the reason says what was wrong. */
export function parseBusinessEvent(
  raw: string,
): { ok: true; envelope: BusinessEnvelope } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const parsed = BusinessEnvelope.safeParse(json);
  if (parsed.success) return { ok: true, envelope: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, reason: `${issue?.path.join('.') || 'envelope'}: ${issue?.message ?? 'invalid'}` };
}

/**
 * Emits a business event to its rooms on THIS node only. Every node receives each message of the
 * events channel, so local delivery reaches every client exactly once. Returns the sockets reached.
 */
export function deliverBusinessEvent(io: NodeServer, envelope: BusinessEnvelope): number {
  const rooms = [...(envelope.rooms ?? []), ...(envelope.user ? [roomOf.user(envelope.user)] : [])];
  const namespaces = envelope.namespace ? [envelope.namespace] : ['/hub', '/portal'];
  let reached = 0;
  for (const name of namespaces) {
    const nsp = io._nsps.get(name);
    if (!nsp) continue;
    const seen = new Set<string>();
    for (const room of rooms) for (const id of nsp.adapter.rooms.get(room) ?? []) seen.add(id);
    reached += seen.size;
    nsp.local.to(rooms).emit(envelope.event, envelope.data);
  }
  return reached;
}

/** Subscribes the node to the cluster's events channel; malformed messages are counted and logged. */
export function relayBusinessEvents(
  io: NodeServer,
  store: BusinessEvents,
  deps: { instrumentation: Instrumentation; log: InstrumentLogger },
) {
  return store.subscribeEvents((raw) => {
    const parsed = parseBusinessEvent(raw);
    deps.instrumentation.recordBusinessEvent(parsed.ok);
    if (!parsed.ok) {
      deps.log.warn(`ignored a malformed business event: ${parsed.reason}`);
      return;
    }
    deliverBusinessEvent(io, parsed.envelope);
  });
}

/**
 * For the backbone: validates an envelope and publishes it on the cluster's events channel, through
 * a TelltaleStore or straight through an ioredis connection. Throws when the envelope is invalid.
 */
export async function publishBusinessEvent(
  target: TelltaleStore | Redis,
  cluster: string,
  envelope: BusinessEnvelopeInput,
): Promise<void> {
  const parsed = BusinessEnvelope.safeParse(envelope);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `invalid business event: ${issue?.path.join('.') || 'envelope'}: ${issue?.message ?? ''}`,
    );
  }
  const raw = JSON.stringify(parsed.data);
  if ('forCluster' in target) await target.forCluster(cluster).publishEvent(raw);
  else await target.publish(clusterKeys(cluster).events, raw);
}
