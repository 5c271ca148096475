/** Adapter for the Socket.IO 4 tutorial-shaped baseline (bench/baselines/socketio-server.ts). */
import { io, type Socket } from 'socket.io-client';
import {
  type Adapter,
  type AdapterOptions,
  type AgentClient,
  type VisitorClient,
  withTimeout,
} from './types.js';

interface ChatMessage {
  room: string;
  user: string;
  text: string;
}

const TIMEOUT_MS = 20_000;

function connect(opts: AdapterOptions, username: string): Promise<Socket> {
  opts.sink.attempt();
  const socket = io(opts.url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    auth: { username },
  });
  return withTimeout(
    new Promise<Socket>((resolve, reject) => {
      socket.once('connect', () => resolve(socket));
      socket.once('connect_error', (e) => reject(e));
    }),
    TIMEOUT_MS,
    `socket.io connect ${username}`,
  ).catch((e: unknown) => {
    socket.close();
    throw e;
  });
}

function join(socket: Socket, room: string): Promise<void> {
  return withTimeout(
    new Promise<void>((resolve) => {
      socket.emit('join', room, () => resolve());
    }),
    TIMEOUT_MS,
    `join ${room}`,
  );
}

export function socketioAdapter(opts: AdapterOptions): Adapter {
  const agents: Socket[] = [];
  const sockets: Socket[] = [];

  return {
    async setup() {},

    async connectAgent(a) {
      const socket = await connect(opts, `agent${a}`);
      socket.on('message', (m: ChatMessage) => {
        if (m.user.startsWith('v')) opts.sink.agentMessage(a, m.text);
      });
      socket.on('disconnect', () => opts.sink.error('DISCONNECTED'));
      agents[a] = socket;
      sockets.push(socket);
      const client: AgentClient = {
        reply(visitor, text) {
          socket.emit('message', { room: `c${visitor}`, text });
        },
        get ready() {
          return socket.connected;
        },
        close() {
          socket.close();
        },
      };
      return client;
    },

    async connectVisitor(v) {
      const user = `v${v}`;
      const room = `c${v}`;
      const socket = await connect(opts, user);
      socket.on('message', (m: ChatMessage) => {
        if (m.user === user) opts.sink.visitorEcho(v, m.text);
        else opts.sink.visitorReply(v, m.text);
      });
      sockets.push(socket);
      await join(socket, room);
      const client: VisitorClient = {
        send(text) {
          socket.emit('message', { room, text });
        },
        get ready() {
          return socket.connected;
        },
        pending: 0,
        close() {
          socket.close();
        },
      };
      return client;
    },

    async assign(visitor, agent) {
      const socket = agents[agent];
      if (!socket) throw new Error(`agent ${agent} not connected`);
      await join(socket, `c${visitor}`);
    },

    close() {
      for (const s of sockets) s.close();
      sockets.length = 0;
    },
  };
}
