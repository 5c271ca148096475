/**
 * Baseline 2: the thinnest `ws` relay with the same room semantics as the Socket.IO baseline
 * (username at the handshake, a room per conversation, last-50 history, typing, presence),
 * no persistence — the practical ceiling for a Node WebSocket server.
 * Frames (JSON): join {room} → joined {room, history}; message {room, text} → message to the
 * room, sender included; typing {room, on} → typing to the others; presence on join/leave.
 */
import { createServer } from 'node:http';
import { type WebSocket, WebSocketServer } from 'ws';

interface Client {
  user: string;
  rooms: Set<string>;
}

const HISTORY = 50;
const port = Number(process.env.PORT ?? 3001);
const host = process.env.HOST ?? '127.0.0.1';

const rooms = new Map<string, Set<WebSocket>>();
const history = new Map<string, string[]>();

const httpServer = createServer((req, res) => {
  if (req.url === '/readyz' || req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
    return;
  }
  res.writeHead(404);
  res.end();
});

const wss = new WebSocketServer({ server: httpServer, path: '/ws' });

function broadcast(room: string, data: string, except?: WebSocket): void {
  const members = rooms.get(room);
  if (!members) return;
  for (const ws of members) if (ws !== except) ws.send(data);
}

function onFrame(ws: WebSocket, client: Client, raw: string): void {
  let frame: { type?: unknown; room?: unknown; text?: unknown; on?: unknown };
  try {
    frame = JSON.parse(raw) as typeof frame;
  } catch {
    return;
  }
  const room = frame.room;
  if (typeof room !== 'string') return;
  switch (frame.type) {
    case 'join': {
      let members = rooms.get(room);
      if (!members) {
        members = new Set();
        rooms.set(room, members);
      }
      members.add(ws);
      client.rooms.add(room);
      const past = history.get(room) ?? [];
      ws.send(`{"type":"joined","room":${JSON.stringify(room)},"history":[${past.join(',')}]}`);
      broadcast(room, JSON.stringify({ type: 'presence', room, user: client.user, online: true }), ws);
      break;
    }
    case 'message': {
      if (typeof frame.text !== 'string' || !client.rooms.has(room)) return;
      const msg = JSON.stringify({ room, user: client.user, text: frame.text, at: Date.now() });
      let past = history.get(room);
      if (!past) {
        past = [];
        history.set(room, past);
      }
      past.push(msg);
      if (past.length > HISTORY) past.shift();
      broadcast(room, `{"type":"message","message":${msg}}`);
      break;
    }
    case 'typing':
      if (!client.rooms.has(room)) return;
      broadcast(room, JSON.stringify({ type: 'typing', room, user: client.user, on: frame.on === true }), ws);
      break;
    default:
      break;
  }
}

wss.on('connection', (ws, req) => {
  const user = new URL(req.url ?? '/', 'http://x').searchParams.get('user');
  if (!user) {
    ws.close(4401, 'username required');
    return;
  }
  const client: Client = { user, rooms: new Set() };
  ws.on('message', (data, isBinary) => {
    if (!isBinary) onFrame(ws, client, data.toString());
  });
  ws.on('close', () => {
    for (const room of client.rooms) {
      const members = rooms.get(room);
      members?.delete(ws);
      if (members && members.size === 0) rooms.delete(room);
      broadcast(room, JSON.stringify({ type: 'presence', room, user, online: false }));
    }
  });
  ws.on('error', () => undefined);
});

httpServer.listen(port, host, () => {
  process.stdout.write(`ws-relay listening on http://${host}:${port}\n`);
});

process.on('SIGTERM', () => {
  wss.close();
  process.exit(0);
});
