/**
 * The shop page the browser scenarios load: served by its own `node:http` server on another
 * loopback port than Switchboard (another origin, as a real shop is), in two variants that
 * differ only in the widget's script tag — `/with` and `/with-user` carry the embed snippet of
 * DESIGN.md (`async`, at the end of the body), `/without` does not. The page has what makes a shop
 * page's load event: its own stylesheet, a hero image (the LCP element) and product cards.
 * An optional fault proxy stands between the page and Switchboard: see `FaultProxy`.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * `with`: the embed snippet as a first-time visitor meets it (the widget connects only when
 * the panel opens); `with-user`: the same plus `data-user-id` — a signed-in shopper, whom
 * the widget connects at once (a notice may be pushed to them); `without`: no widget.
 */
export type ShopVariant = 'with' | 'with-user' | 'without';
const VARIANTS: readonly ShopVariant[] = ['with', 'with-user', 'without'];

const CSS = `*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,sans-serif;color:#1f2937}
header{display:flex;justify-content:space-between;padding:16px 24px;background:#111827;color:#fff}
.hero{display:block;width:100%;height:auto;max-height:360px;object-fit:cover}
main{max-width:1100px;margin:0 auto;padding:24px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:16px}
.card{border:1px solid #e5e7eb;border-radius:8px;padding:12px}.card svg{width:100%;height:140px}
.price{font-weight:600}button.buy{padding:8px 12px;border:0;border-radius:6px;background:#059669;color:#fff}`;

/** A 1200×400 SVG with some shapes: an image the page must fetch before `load`. */
const HERO = `<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="400" viewBox="0 0 1200 400">
<defs><linearGradient id="g" x1="0" x2="1"><stop offset="0" stop-color="#0ea5e9"/><stop offset="1" stop-color="#6366f1"/></linearGradient></defs>
<rect width="1200" height="400" fill="url(#g)"/>${Array.from(
  { length: 40 },
  (_, i) =>
    `<circle cx="${(i * 137) % 1200}" cy="${(i * 71) % 400}" r="${10 + ((i * 13) % 40)}" fill="#fff" fill-opacity="0.${(i % 5) + 1}"/>`,
).join('')}
<text x="60" y="220" font-family="sans-serif" font-size="64" fill="#fff">Winter sale: 30% off</text></svg>`;

function page(variant: ShopVariant, widgetOrigin: string): string {
  const cards = Array.from(
    { length: 12 },
    (_, i) => `<div class="card"><svg viewBox="0 0 100 70" role="img" aria-label="Product ${i + 1}">
<rect width="100" height="70" fill="hsl(${i * 30} 70% 80%)"/><circle cx="50" cy="35" r="20" fill="hsl(${i * 30} 70% 45%)"/></svg>
<h3>Product ${i + 1}</h3><p>A fine thing for everyday use, made to last.</p>
<p class="price">€${(19 + i * 7).toFixed(2)}</p><button class="buy" type="button">Add to cart</button></div>`,
  ).join('\n');
  const user =
    variant === 'with-user' ? ' data-user-id="bench-shopper-1" data-user-name="Bench Shopper"' : '';
  const tag =
    variant === 'without'
      ? ''
      : `<script src="${widgetOrigin}/widget.js" data-site="demo"${user} async></script>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>Bench shop</title>
<link rel="stylesheet" href="/shop.css"></head>
<body><header><strong>Bench shop</strong><nav>Men · Women · Kids · Sale</nav></header>
<img class="hero" src="/hero.svg" width="1200" height="400" alt="Winter sale">
<main><h1>Winter collection</h1><p>Free shipping over €50. Returns within 30 days.</p>
<div class="grid">${cards}</div></main>
${tag}
</body></html>`;
}

export interface Shop {
  /** http://127.0.0.1:<port>/with, /with-user or /without */
  url(variant: ShopVariant): string;
  close(): Promise<void>;
}

/** Starts the shop on a free loopback port; the widget comes from `widgetOrigin`. */
export async function startShop(widgetOrigin: string): Promise<Shop> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (type: string, body: string): void => {
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    const variant = VARIANTS.find((v) => path === `/${v}`);
    if (variant) send('text/html; charset=utf-8', page(variant, widgetOrigin));
    else if (path === '/shop.css') send('text/css; charset=utf-8', CSS);
    else if (path === '/hero.svg') send('image/svg+xml', HERO);
    else {
      res.writeHead(404);
      res.end();
    }
  });
  await listen(server);
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: (v) => `${base}/${v}`, close: () => close(server) };
}

export type Fault = 'down' | 'hang';

/**
 * A loopback proxy in front of Switchboard that passes `/widget.js` through and fails every
 * other request — HTTP and WebSocket upgrades alike: `down` resets the connection (what a
 * browser sees from a dead upstream behind a CDN that still has widget.js), `hang` accepts
 * it and never answers. This is the network itself, seen by the browser as it is: Playwright's
 * route emulation does not cover WebSockets the same way.
 */
export class FaultProxy {
  private server: Server | null = null;
  private readonly held = new Set<Socket>();
  origin = '';

  constructor(
    private readonly upstream: string,
    public fault: Fault,
  ) {}

  async start(): Promise<void> {
    const up = new URL(this.upstream);
    const server = createServer((req, res) => {
      if ((req.url ?? '').split('?')[0] === '/widget.js') {
        const fwd = httpRequest(
          { host: up.hostname, port: up.port, path: req.url, method: req.method, headers: req.headers },
          (r) => {
            res.writeHead(r.statusCode ?? 502, r.headers);
            r.pipe(res);
          },
        );
        fwd.on('error', () => res.destroy());
        req.pipe(fwd);
        return;
      }
      this.fail(req.socket);
    });
    server.on('upgrade', (_req, socket: Socket) => this.fail(socket));
    await listen(server);
    this.server = server;
    this.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  private fail(socket: Socket): void {
    if (this.fault === 'down') {
      socket.resetAndDestroy();
      return;
    }
    this.held.add(socket);
    socket.on('close', () => this.held.delete(socket));
  }

  /** Drops the held connections (between page loads, so none carries over). */
  release(): void {
    for (const s of this.held) s.destroy();
    this.held.clear();
  }

  async close(): Promise<void> {
    this.release();
    if (this.server) {
      this.server.closeAllConnections();
      await close(this.server);
    }
  }
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
