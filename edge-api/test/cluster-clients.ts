import { ClusterView } from '@telltale/shared';
import { SignJWT } from 'jose';
import { io, type Socket } from 'socket.io-client';

/**
 * A socket.io client of `url` (a node's URL plus namespace) holding an HS256 token for `sub`, over
 * WebSocket and without reconnecting, so a server-side disconnect stays visible. Rejects with the
 * connect_error; closing a connected one is the caller's job.
 */
export async function connectClient(
  url: string,
  secret: string,
  claims: { sub: string; role: 'client' | 'attendant' },
): Promise<Socket> {
  const token = await new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(secret));
  const socket = io(url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
  return socket;
}

/** The cluster view `GET /metrics` serves as JSON, validated: what a dashboard must agree with. */
export async function fetchClusterView(
  baseUrl: string,
  options: { adminToken?: string; fresh?: boolean } = {},
): Promise<ClusterView> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.adminToken) headers.authorization = `Bearer ${options.adminToken}`;
  const response = await fetch(`${baseUrl}/metrics${options.fresh ? '?fresh=1' : ''}`, { headers });
  return ClusterView.parse(await response.json());
}
