import { isIP } from 'node:net';
import type { SocketDetail } from '@telltale/shared';
import { z } from 'zod';
import type { ConnectionBytes } from './connection-bytes.ts';
import type { TrackedSocket } from './socket-table.ts';

/** What `instrument()`'s `inspect` option may show of a socket, besides what every detail has. */
export interface InspectOptions {
  /** `socket.data` keys to show (at most 20). */
  data?: readonly string[];
  /** Handshake `auth` keys to show (at most 20); the token itself can never be one. */
  auth?: readonly string[];
}

/** Key names that hold credentials: `inspect` refuses them, so no detail can carry one. */
const CREDENTIAL_KEY = /token|authori[sz]ation|cookie|secret|password|passwd|session|api[-_]?key|credential/i;
const ROOMS_SHOWN = 200;
const QUERY_KEYS_SHOWN = 50;
const TEXT_MAX = 300;
const ADDRESS_MAX = 100;

const inspectKeys = (option: string) =>
  z
    .array(
      z
        .string({ error: `instrument(): inspect.${option} keys must be strings` })
        .min(1)
        .max(64, { error: `instrument(): inspect.${option} keys are at most 64 characters` })
        .refine((key) => !CREDENTIAL_KEY.test(key), {
          error: (issue) =>
            `instrument(): inspect.${option} may not show '${String(issue.input)}': it names a credential (cookies, authorization, tokens, secrets and passwords are never shown)`,
        }),
      { error: `instrument(): inspect.${option} must be an array of key names` },
    )
    .max(20, { error: `instrument(): inspect.${option} lists at most 20 keys` })
    .optional();

const Inspect = z.object({ data: inspectKeys('data'), auth: inspectKeys('auth') }).optional();

const TrustedProxies = z
  .array(
    z.string().refine((address) => isIP(address) !== 0, {
      error: (issue) =>
        `instrument(): trustedProxies must be IP addresses: got ${JSON.stringify(issue.input)}`,
    }),
    { error: 'instrument(): trustedProxies must be an array of IP addresses' },
  )
  .max(100, { error: 'instrument(): trustedProxies lists at most 100 addresses' })
  .optional();

/** How this node describes its sockets on demand: which proxies it trusts, which keys it shows. */
export class SocketInspector {
  private readonly dataKeys: readonly string[];
  private readonly authKeys: readonly string[];
  private readonly trusted: ReadonlySet<string>;

  /** Throws a TypeError naming the option when `inspect` or `trustedProxies` cannot be used. */
  constructor(
    options: { inspect?: unknown; trustedProxies?: unknown },
    private readonly bytes: ConnectionBytes,
  ) {
    const inspect = Inspect.safeParse(options.inspect);
    const proxies = TrustedProxies.safeParse(options.trustedProxies);
    const issues = [...(inspect.error?.issues ?? []), ...(proxies.error?.issues ?? [])];
    if (issues.length > 0) throw new TypeError(issues.map((issue) => issue.message).join('; '));
    this.dataKeys = inspect.data?.data ?? [];
    this.authKeys = inspect.data?.auth ?? [];
    this.trusted = new Set((proxies.data ?? []).map(plainAddress));
  }

  describe(tracked: TrackedSocket, nodeId: string): SocketDetail {
    const { socket } = tracked;
    const { handshake } = socket;
    const peer = handshake.address ? plainAddress(handshake.address) : null;
    const rooms: string[] = [];
    let roomCount = 0;
    for (const room of socket.rooms) {
      if (room === tracked.id) continue;
      roomCount++;
      if (rooms.length < ROOMS_SHOWN) rooms.push(cut(room, 200));
    }
    const transports = [{ name: tracked.firstTransport, at: tracked.connectedAt }];
    if (tracked.upgradedAt !== null) transports.push({ name: tracked.transport, at: tracked.upgradedAt });
    return {
      id: tracked.id,
      nodeId,
      namespace: tracked.namespace,
      userId: tracked.userId,
      role: tracked.role,
      transport: tracked.transport,
      transports,
      connectedAt: tracked.connectedAt,
      remoteAddress: peer === null ? null : cut(this.clientAddress(peer, handshake.headers), ADDRESS_MAX),
      peerAddress: peer === null ? null : cut(peer, ADDRESS_MAX),
      userAgent: header(handshake.headers['user-agent']),
      origin: header(handshake.headers.origin),
      queryKeys: Object.keys(handshake.query ?? {})
        .slice(0, QUERY_KEYS_SHOWN)
        .map((key) => cut(key, 64)),
      data: pick(socket.data, this.dataKeys),
      auth: pick(handshake.auth, this.authKeys),
      rooms,
      roomCount,
      events: {
        in: tracked.eventsIn,
        out: tracked.eventsOut,
        inByType: tracked.inByType?.toRecord() ?? {},
        outByType: tracked.outByType?.toRecord() ?? {},
      },
      bytes: this.bytes.of(socket.conn),
      lastEventAt: tracked.lastEventAt,
    };
  }

  /**
   * The peer, unless it is a trusted proxy: then the X-Forwarded-For hop nearest the node that is
   * not a trusted proxy. Anyone can send the header, so an untrusted peer's is never read.
   */
  private clientAddress(peer: string, headers: Record<string, string | string[] | undefined>): string {
    if (!this.trusted.has(peer)) return peer;
    const forwarded = headers['x-forwarded-for'];
    const hops = (Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? ''))
      .split(',')
      .map((hop) => plainAddress(hop.trim()))
      .filter((hop) => hop !== '');
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i] as string;
      if (!this.trusted.has(hop)) return hop;
    }
    return hops[0] ?? peer;
  }
}

/** `::ffff:10.0.0.1` is how Node reports IPv4 peers on a dual-stack socket. */
function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

function header(value: string | string[] | undefined): string | null {
  const text = Array.isArray(value) ? value.join(', ') : value;
  return text ? cut(text, TEXT_MAX) : null;
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

type Inspected = SocketDetail['data'][string];

function pick(source: unknown, keys: readonly string[]): Record<string, Inspected> {
  const picked: Record<string, Inspected> = {};
  if (typeof source !== 'object' || source === null) return picked;
  for (const key of keys) {
    if (!Object.hasOwn(source, key)) continue;
    picked[key] = scalar((source as Record<string, unknown>)[key]);
  }
  return picked;
}

/** Scalars as they are (strings cut); anything else as JSON text, cut. */
function scalar(value: unknown): Inspected {
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'string') return cut(value, TEXT_MAX);
  try {
    return cut(JSON.stringify(value) ?? String(value), TEXT_MAX);
  } catch {
    return '[unserializable]';
  }
}
