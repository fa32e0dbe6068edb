// A plain JavaScript Socket.IO app, as in the README: `npm i` + `instrument(io)`, run with `node`.
import { createServer } from 'node:http';
import { createIoredisStore } from '@telltale/shared/store/ioredis';
import { instrument } from '@telltale/socket-node/instrument';
import { Server } from 'socket.io';

const httpServer = createServer();
const io = new Server(httpServer);
const telltale = instrument(io, {
  store: createIoredisStore(process.env.REDIS_URL),
  cluster: process.env.CLUSTER_ID ?? 'default',
  nodeId: process.env.HOSTNAME, // unset outside containers: telltale then uses <hostname>-<pid>
  flushIntervalMs: Number(process.env.FLUSH_INTERVAL_MS ?? 5000),
  // A number is fine: telltale turns it into the string '7'.
  identify: (socket) => ({ userId: socket.data.userId, role: 'player' }),
});

io.of('/game').use((socket, next) => {
  socket.data.userId = Number(socket.handshake.auth.uid);
  next();
});
io.of('/game').on('connection', (socket) => {
  socket.on('move', (move, ack) => ack?.({ ok: true, move }));
});

await telltale.start();
httpServer.listen(Number(process.env.PORT ?? 3000), () => console.log(`game server on ${process.env.PORT}`));
process.on('SIGTERM', async () => {
  await telltale.stop();
  io.close();
  process.exit(0);
});
