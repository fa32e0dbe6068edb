/**
 * `pnpm start`: the composition root, the one place that knows both packages. With REDIS_URL: the edge alone, as main.ts. Without: the single-process default —
 * one socket node and the edge API sharing one in-memory store, with an admin token and a JWT
 * secret generated when none were set, printed so the dashboard and clients can be tried at once.
 */

import { createNodeStore, edgeConfigOrExit, runEdge } from '@telltale/edge-api/node';
import { createMemoryStore } from '@telltale/shared/store/memory';
import { settingsFromEnv, startSocketNode } from '@telltale/socket-node';
import { SignJWT } from 'jose';

const randomSecret = () => Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString('base64url');

const config = edgeConfigOrExit(process.env);
if (config.REDIS_URL || config.REDIS_CLUSTER_NODES) {
  await runEdge(config, await createNodeStore(config));
} else {
  const adminToken = config.ADMIN_TOKEN ?? randomSecret();
  const jwtSecret = config.JWT_SECRET ?? (config.JWT_JWKS_URL ? undefined : randomSecret());
  const store = createMemoryStore();
  const node = await startSocketNode(
    settingsFromEnv({
      ...process.env,
      PORT: process.env.SOCKET_PORT ?? '8001',
      JWT_SECRET: jwtSecret,
    }),
    { store },
  );
  await runEdge({ ...config, ADMIN_TOKEN: adminToken, JWT_SECRET: jwtSecret }, store, {
    onStop: () => node.close(),
  });
  console.log(
    `socket node ${node.nodeId} on ${node.url} (namespaces /hub, /portal, /admin), in-memory store`,
  );
  if (!config.ADMIN_TOKEN)
    console.log(`  ADMIN_TOKEN=${adminToken}   (generated; set ADMIN_TOKEN to choose one)`);
  if (jwtSecret && !config.JWT_SECRET) {
    const sample = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('demo-admin')
      .setExpirationTime('12h')
      .sign(new TextEncoder().encode(jwtSecret));
    console.log(`  JWT_SECRET=${jwtSecret}   (generated; socket clients need tokens signed with it)`);
    console.log(`  admin JWT for sockets and the edge (12 h): ${sample}`);
  }
}
