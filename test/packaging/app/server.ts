// The same app in TypeScript: `module: nodenext`, `strict`, `skipLibCheck: false` must type-check.
import { createServer } from 'node:http';
import { createIoredisStore } from '@telltale/shared/store/ioredis';
import { type Instrumentation, instrument } from '@telltale/socket-node/instrument';
import { Server } from 'socket.io';

interface ClientEvents {
  move: (move: string, ack: (answer: { ok: boolean }) => void) => void;
}
interface SocketData {
  userId: number;
  role: 'player' | 'referee';
}

const io = new Server<ClientEvents, Record<string, never>, Record<string, never>, SocketData>(createServer());
const telltale: Instrumentation = instrument(io, {
  store: createIoredisStore(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'),
  cluster: 'default',
  nodeId: process.env.HOSTNAME,
  identify: (socket) => ({ userId: socket.data.userId, role: socket.data.role }),
});
await telltale.start();
const ready: boolean = telltale.readiness().ready;
console.log(ready);
