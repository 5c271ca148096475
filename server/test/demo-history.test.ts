/** The demo's first start: departments, canned responses and a fortnight of rated history for Reports. */

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { login, testApp } from './helpers.js';

let app: FastifyInstance;
let dispose: () => Promise<void>;
let admin: string;

beforeAll(async () => {
  ({ app, dispose } = await testApp({ seedHistory: true }));
  admin = await login(app, 'admin@demo.test');
});
afterAll(() => dispose());

const get = (url: string) =>
  app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${admin}` } });

it('seeds Billing among the departments and closed, rated conversations the report counts', async () => {
  expect((await app.storage.getSite('demo'))?.departments).toEqual(['Sales', 'Support', 'Billing']);
  const report = (await get('/api/v1/sites/demo/reports')).json() as {
    conversations: number;
    closed: number;
    firstResponseMs: number | null;
    csat: { count: number; average: number | null; distribution: number[] };
  };
  expect(report.conversations).toBe(12);
  expect(report.closed).toBe(12);
  expect(report.firstResponseMs).toBeGreaterThan(0);
  expect(report.csat.count).toBe(10);
  expect(report.csat.distribution).toEqual([0, 1, 1, 3, 5]);
  // Found by search, shown as closed, nothing left open in the queue.
  const hits = (await get('/api/search?site=demo&q=invoice')).json() as { items: unknown[] };
  expect(hits.items.length).toBe(1);
  expect((await app.storage.listOpenConversations('demo')).length).toBe(0);
});
