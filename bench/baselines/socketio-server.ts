/**
 * Baseline 1: a Socket.IO 4 support chat of the usual tutorial shape — what a developer would
 * write instead of Switchboard. Username in the handshake `auth`, one room per conversation,
 * the last 50 messages of each room in memory, typing, presence, NO persistence, stock server
 * options. Started by the bench as its own process: `node bench/dist/baselines/socketio-server.js`.
 */
import { createServer } from 'node:http';
import { Server, type Socket } from 'socket.io';

interface ChatMessage {
  room: string;
  user: string;
  text: string;
  at: number;
}

const HISTORY = 50;
const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '127.0.0.1';

const history = new Map<string, ChatMessage[]>();

const httpServer = createServer((req, res) => {
  if (req.url === '/readyz' || req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
    return;
  }
  res.writeHead(404);
  res.end();
});

const io = new Server(httpServer);

io.use((socket, next) => {
  const username: unknown = socket.handshake.auth.username;
  if (typeof username !== 'string' || username.length === 0) {
    next(new Error('username required'));
    return;
  }
  socket.data.username = username;
  next();
});

function roomsOf(socket: Socket): string[] {
  return [...socket.rooms].filter((r) => r !== socket.id);
}

io.on('connection', (socket) => {
  const user = String(socket.data.username);

  socket.on('join', (room: unknown, ack: unknown) => {
    if (typeof room !== 'string') return;
    void socket.join(room);
    socket.to(room).emit('presence', { room, user, online: true });
    if (typeof ack === 'function') ack({ room, history: history.get(room) ?? [] });
  });

  socket.on('message', (payload: unknown) => {
    if (typeof payload !== 'object' || payload === null) return;
    const { room, text } = payload as { room?: unknown; text?: unknown };
    if (typeof room !== 'string' || typeof text !== 'string' || !socket.rooms.has(room)) return;
    const msg: ChatMessage = { room, user, text, at: Date.now() };
    let list = history.get(room);
    if (!list) {
      list = [];
      history.set(room, list);
    }
    list.push(msg);
    if (list.length > HISTORY) list.shift();
    io.to(room).emit('message', msg);
  });

  socket.on('typing', (payload: unknown) => {
    if (typeof payload !== 'object' || payload === null) return;
    const { room, on } = payload as { room?: unknown; on?: unknown };
    if (typeof room !== 'string' || !socket.rooms.has(room)) return;
    socket.to(room).emit('typing', { room, user, on: on === true });
  });

  socket.on('disconnecting', () => {
    for (const room of roomsOf(socket)) socket.to(room).emit('presence', { room, user, online: false });
  });
});

httpServer.listen(port, host, () => {
  process.stdout.write(`socketio-server listening on http://${host}:${port}\n`);
});

process.on('SIGTERM', () => {
  io.close();
  process.exit(0);
});
