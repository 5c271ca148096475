import { createServer, request, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';

/**
 * A real HTTP front for a Switchboard server, like a flaky network or proxy in between:
 * `/widget.js` always gets through; everything else (REST and WebSocket upgrades) is
 * passed on, refused (the connection is reset) or held without an answer, per `mode`.
 * Going back to `pass` resets what was held, as a restarted server would.
 */
export type GateMode = 'pass' | 'fail' | 'hang';

export class Gate {
  mode: GateMode = 'pass';
  /** Requests held or refused, by path (what the widget tried while cut off). */
  readonly stopped: string[] = [];
  private readonly held = new Set<Socket>();
  /** Upgraded sockets leave the HTTP server's bookkeeping: tracked to be closed on dispose. */
  private readonly piped = new Set<Socket>();
  private readonly server: Server;
  private port = 0;

  constructor(target: string) {
    const upstream = new URL(target);
    this.server = createServer((req, res) => {
      if (!req.url?.startsWith('/widget.js') && this.cut(req.url ?? '', req.socket)) return;
      const up = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          path: req.url,
          method: req.method,
          headers: req.headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      up.on('error', () => res.destroy());
      req.pipe(up);
    });
    this.server.on('upgrade', (req, socket: Socket, head: Buffer) => {
      if (this.cut(req.url ?? '', socket)) return;
      this.piped.add(socket);
      socket.on('close', () => this.piped.delete(socket));
      const up = connect(Number(upstream.port), upstream.hostname, () => {
        const lines = [`${req.method} ${req.url} HTTP/1.1`];
        for (let i = 0; i < req.rawHeaders.length; i += 2)
          lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
        up.write(`${lines.join('\r\n')}\r\n\r\n`);
        up.write(head);
        up.pipe(socket).pipe(up);
      });
      const end = () => {
        up.destroy();
        socket.destroy();
      };
      up.on('error', end);
      socket.on('error', end);
    });
  }

  /** Requests being held unanswered right now. */
  get holding(): number {
    return this.held.size;
  }

  /** The origin the shop page loads widget.js from. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const addr = this.server.address();
    if (addr && typeof addr === 'object') this.port = addr.port;
  }

  /** Lets everything through again; what was held is reset, like a server restart. */
  open(): void {
    this.mode = 'pass';
    for (const s of this.held) s.destroy();
    this.held.clear();
  }

  async dispose(): Promise<void> {
    this.open();
    for (const s of this.piped) s.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** True when the request was refused or is being held. */
  private cut(path: string, socket: Socket): boolean {
    if (this.mode === 'pass') return false;
    this.stopped.push(path.split('?')[0] ?? path);
    if (this.mode === 'fail') socket.destroy();
    else {
      this.held.add(socket);
      socket.on('close', () => this.held.delete(socket));
    }
    return true;
  }
}
