/** The engine.io connection under a socket: Socket.IO multiplexes a client's namespaces over one. */
interface EngineConnection {
  on(event: 'packet' | 'packetCreate', listener: (packet: { type: string; data?: unknown }) => void): unknown;
}

export interface ByteCounts {
  in: number;
  out: number;
}

/**
 * Payload bytes per engine.io connection, for socket detail: one listener pair per connection
 * (not per namespace socket), counting message frames as they are read and written. The counts
 * die with the connection.
 */
export class ConnectionBytes {
  private readonly counts = new WeakMap<object, ByteCounts>();

  /** Starts counting this connection, once; later calls for it do nothing. */
  watch(conn: EngineConnection): void {
    if (this.counts.has(conn)) return;
    const counts: ByteCounts = { in: 0, out: 0 };
    this.counts.set(conn, counts);
    conn.on('packet', (packet) => {
      if (packet.type === 'message') counts.in += sizeOf(packet.data);
    });
    conn.on('packetCreate', (packet) => {
      if (packet.type === 'message') counts.out += sizeOf(packet.data);
    });
  }

  of(conn: object): ByteCounts {
    const counts = this.counts.get(conn);
    return counts ? { ...counts } : { in: 0, out: 0 };
  }
}

function sizeOf(data: unknown): number {
  if (typeof data === 'string') return Buffer.byteLength(data);
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return data.byteLength;
  return 0;
}
