import type { LiveConnection, SubscriberState } from './runtime.ts';

export interface SseSubscriber {
  connection: LiveConnection;
  body: ReadableStream<Uint8Array>;
}

/**
 * A live-feed subscriber over Server-Sent Events: each message becomes one `data:` event. Web
 * streams only, so a Durable Object can use it as well. `onEnd` runs once, when the client goes
 * away or the stream is cancelled.
 */
export function sseSubscriber(
  id: string,
  signal: AbortSignal,
  onEnd: (c: LiveConnection) => void,
): SseSubscriber {
  const encoder = new TextEncoder();
  let controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  let state: SubscriberState = { paused: false };
  let ended = false;

  const end = () => {
    if (ended) return;
    ended = true;
    try {
      controller?.close();
    } catch {
      // already closed by the reader
    }
    onEnd(connection);
  };

  const connection: LiveConnection = {
    id,
    send(message) {
      if (ended || !controller) return;
      controller.enqueue(encoder.encode(`data: ${message}\n\n`));
    },
    close: () => end(),
    get state() {
      return state;
    },
    setState(next) {
      state = next;
    },
  };

  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      // Tells EventSource how long to wait before reconnecting.
      c.enqueue(encoder.encode('retry: 2000\n\n'));
    },
    cancel: () => end(),
  });
  if (signal.aborted) end();
  else signal.addEventListener('abort', end, { once: true });
  return { connection, body };
}
