import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';

export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

/** One HTTP exchange with a deadline; network failures reject with the URL in the message. */
export async function request(
  url: string,
  init: RequestInit & { timeoutMs?: number } = {},
): Promise<HttpAnswer> {
  const { timeoutMs = 10_000, ...rest } = init;
  let response: Response;
  try {
    response = await fetch(url, { ...rest, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new Error(`${init.method ?? 'GET'} ${url} failed: ${(error as Error).message}`);
  }
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** Resolves once `url` answers 200. */
export async function isOk(url: string): Promise<boolean> {
  try {
    return (await request(url, { timeoutMs: 2000 })).status === 200;
  } catch {
    return false;
  }
}

/**
 * One request on its own TCP connection (no keep-alive pool), for hostile input: a server that
 * answers early and closes (413 on a huge body) must not make the NEXT case fail on a reused socket.
 */
export function requestOnce(
  url: string,
  init: { method: string; headers?: Record<string, string>; body?: string; timeoutMs?: number },
): Promise<{ status: number; headers: IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, {
      method: init.method,
      headers: init.headers,
      agent: false,
      timeout: init.timeoutMs ?? 10_000,
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () =>
      req.destroy(new Error(`${init.method} ${url}: no answer within ${init.timeoutMs ?? 10_000} ms`)),
    );
    req.on('error', (error) => reject(new Error(`${init.method} ${url} failed: ${error.message}`)));
    req.end(init.body);
  });
}
