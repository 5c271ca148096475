import { writeFileSync } from 'node:fs';
import { get, type IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { negotiateEncoding } from '../src/static.js';
import { listen, tempDir, testApp } from './helpers.js';

interface Raw {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** node:http, not fetch: fetch would decode the body and hide what was on the wire. */
function rawGet(host: string, path: string, headers: Record<string, string> = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = get(`http://${host}${path}`, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

const WIDGET = Buffer.from(`/* widget */ ${'console.log("switchboard");\n'.repeat(200)}`);

describe('widget.js and panel serving', () => {
  let dist: { dir: string; remove: () => void };
  let ctx: Awaited<ReturnType<typeof testApp>>;
  let host: string;

  beforeEach(async () => {
    dist = tempDir();
    writeFileSync(join(dist.dir, 'widget.js'), WIDGET);
    writeFileSync(join(dist.dir, 'widget.js.br'), brotliCompressSync(WIDGET));
    writeFileSync(join(dist.dir, 'widget.js.gz'), gzipSync(WIDGET));
    ctx = await testApp({}, { paths: { widgetDist: dist.dir } });
    host = await listen(ctx.app);
  });

  afterEach(async () => {
    await ctx.dispose();
    dist.remove();
  });

  it('sends brotli for br, gzip for gzip, identity without the header; all decode to widget.js', async () => {
    const br = await rawGet(host, '/widget.js', { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.status).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.body.equals(WIDGET)).toBe(false);
    expect(brotliDecompressSync(br.body).equals(WIDGET)).toBe(true);

    const gz = await rawGet(host, '/widget.js', { 'accept-encoding': 'gzip' });
    expect(gz.status).toBe(200);
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).equals(WIDGET)).toBe(true);

    const brRefused = await rawGet(host, '/widget.js', { 'accept-encoding': 'br;q=0, gzip' });
    expect(brRefused.headers['content-encoding']).toBe('gzip');

    const plain = await rawGet(host, '/widget.js');
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.equals(WIDGET)).toBe(true);

    for (const res of [br, gz, plain]) {
      expect(res.headers.vary).toMatch(/accept-encoding/i);
      expect(res.headers['content-type']).toBe('application/javascript; charset=utf-8');
      expect(res.headers['cache-control']).toBe('public, max-age=300, must-revalidate');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers.etag).toBeTruthy();
    }
    expect(new Set([br.headers.etag, gz.headers.etag, plain.headers.etag]).size).toBe(3);
  });

  it('answers 304 to If-None-Match with the variant’s ETag, 200 to another variant’s', async () => {
    const gz = await rawGet(host, '/widget.js', { 'accept-encoding': 'gzip' });
    const etag = gz.headers.etag ?? '';
    const again = await rawGet(host, '/widget.js', { 'accept-encoding': 'gzip', 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(again.headers.etag).toBe(etag);
    expect(again.headers.vary).toMatch(/accept-encoding/i);
    const br = await rawGet(host, '/widget.js', { 'accept-encoding': 'br', 'if-none-match': etag });
    expect(br.status).toBe(200);
    expect(brotliDecompressSync(br.body).equals(WIDGET)).toBe(true);
  });

  it('falls back to the plain file when no precompressed one exists', async () => {
    const { rmSync } = await import('node:fs');
    rmSync(join(dist.dir, 'widget.js.br'));
    rmSync(join(dist.dir, 'widget.js.gz'));
    const res = await rawGet(host, '/widget.js', { 'accept-encoding': 'br, gzip' });
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.body.equals(WIDGET)).toBe(true);
    expect(res.headers.vary).toMatch(/accept-encoding/i);
  });
});

describe('negotiateEncoding', () => {
  it('prefers br, respects q=0 and *, falls back to identity', () => {
    expect(negotiateEncoding(undefined)).toBe('identity');
    expect(negotiateEncoding('')).toBe('identity');
    expect(negotiateEncoding('gzip, br')).toBe('br');
    expect(negotiateEncoding('br;q=0, gzip')).toBe('gzip');
    expect(negotiateEncoding('br;q=0, gzip;q=0')).toBe('identity');
    expect(negotiateEncoding('*')).toBe('br');
    expect(negotiateEncoding('*;q=0, gzip')).toBe('gzip');
    expect(negotiateEncoding('identity')).toBe('identity');
    expect(negotiateEncoding('deflate')).toBe('identity');
  });
});
