/** Adapter for the raw `ws` relay baseline (bench/baselines/ws-relay.ts). */
import WebSocket from 'ws';
import {
  type Adapter,
  type AdapterOptions,
  type AgentClient,
  type VisitorClient,
  withTimeout,
} from './types.js';

interface RelayFrame {
  type?: string;
  room?: string;
  message?: { room: string; user: string; text: string };
}

const TIMEOUT_MS = 20_000;

function open(
  url: string,
  user: string,
  opts: AdapterOptions,
  onFrame: (f: RelayFrame) => void,
): Promise<WebSocket> {
  const wsUrl = `${url.replace(/^http/, 'ws')}/ws?user=${encodeURIComponent(user)}`;
  opts.sink.attempt();
  const ws = new WebSocket(wsUrl, { perMessageDeflate: false });
  ws.on('message', (data: Buffer) => {
    let f: RelayFrame;
    try {
      f = JSON.parse(data.toString()) as RelayFrame;
    } catch {
      opts.sink.error('BAD_JSON');
      return;
    }
    onFrame(f);
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', (e) => reject(e));
  });
}

function join(ws: WebSocket, room: string, joined: Map<string, () => void>): Promise<void> {
  return withTimeout(
    new Promise<void>((resolve) => {
      joined.set(room, resolve);
      ws.send(JSON.stringify({ type: 'join', room }));
    }),
    TIMEOUT_MS,
    `join ${room}`,
  );
}

export function wsRelayAdapter(opts: AdapterOptions): Adapter {
  const agents: Array<{ ws: WebSocket; joined: Map<string, () => void> }> = [];
  const sockets: WebSocket[] = [];

  return {
    async setup() {},

    async connectAgent(a) {
      const joined = new Map<string, () => void>();
      const ws = await withTimeout(
        open(opts.url, `agent${a}`, opts, (f) => {
          if (f.type === 'message' && f.message) {
            if (f.message.user.startsWith('v')) opts.sink.agentMessage(a, f.message.text);
          } else if (f.type === 'joined' && f.room) {
            joined.get(f.room)?.();
            joined.delete(f.room);
          }
        }),
        TIMEOUT_MS,
        `agent ${a}`,
      );
      ws.on('error', () => opts.sink.error('SOCKET_ERROR'));
      agents[a] = { ws, joined };
      sockets.push(ws);
      const client: AgentClient = {
        reply(visitor, text) {
          ws.send(JSON.stringify({ type: 'message', room: `c${visitor}`, text }));
        },
        get ready() {
          return ws.readyState === WebSocket.OPEN;
        },
        close() {
          ws.terminate();
        },
      };
      return client;
    },

    async connectVisitor(v) {
      const room = `c${v}`;
      const user = `v${v}`;
      const joined = new Map<string, () => void>();
      const ws = await withTimeout(
        open(opts.url, user, opts, (f) => {
          if (f.type === 'message' && f.message) {
            if (f.message.user === user) opts.sink.visitorEcho(v, f.message.text);
            else opts.sink.visitorReply(v, f.message.text);
          } else if (f.type === 'joined' && f.room) {
            joined.get(f.room)?.();
            joined.delete(f.room);
          }
        }),
        TIMEOUT_MS,
        `visitor ${v}`,
      );
      ws.on('error', () => opts.sink.error('SOCKET_ERROR'));
      sockets.push(ws);
      await join(ws, room, joined);
      const client: VisitorClient = {
        send(text) {
          ws.send(JSON.stringify({ type: 'message', room, text }));
        },
        get ready() {
          return ws.readyState === WebSocket.OPEN;
        },
        pending: 0,
        close() {
          ws.terminate();
        },
      };
      return client;
    },

    async assign(visitor, agent) {
      const a = agents[agent];
      if (!a) throw new Error(`agent ${agent} not connected`);
      await join(a.ws, `c${visitor}`, a.joined);
    },

    close() {
      for (const ws of sockets) ws.terminate();
      sockets.length = 0;
    },
  };
}
