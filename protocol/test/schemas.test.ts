import { TypeCompiler } from '@sinclair/typebox/compiler';
import { describe, expect, it } from 'vitest';
import { backoffDelay, CloseCode, charCount, ErrorCode, isValidEmail, Limits } from '../src/index.js';
import {
  AgentClientFrame,
  AgentFrameSchemas,
  ServerFrame,
  SiteSettingsRequest,
  VisitorClientFrame,
  VisitorFrameSchemas,
} from '../src/schemas.js';

const visitor = TypeCompiler.Compile(VisitorClientFrame);
const agent = TypeCompiler.Compile(AgentClientFrame);
const server = TypeCompiler.Compile(ServerFrame);

describe('client frames', () => {
  it('accepts well-formed visitor frames', () => {
    expect(visitor.Check({ type: 'hello', v: 1, cursors: { c_1: 3 } })).toBe(true);
    expect(visitor.Check({ type: 'send', cid: 'a1', text: 'hi' })).toBe(true);
    expect(visitor.Check({ type: 'typing', on: true })).toBe(true);
    expect(visitor.Check({ type: 'read', conversationId: 'c_1', seq: 4 })).toBe(true);
    expect(visitor.Check({ type: 'ping' })).toBe(true);
  });

  it('a visitor email is validated: nothing that could change a mailto: link or a mail header', () => {
    for (const ok of ['ada@example.com', 'a.b+tag@mail.example.co.uk', 'jürgen@bücher.de', '']) {
      expect(visitor.Check({ type: 'profile', email: ok }), ok).toBe(true);
    }
    for (const bad of [
      'ada@example.com?cc=boss@evil.test',
      'ada@example.com&body=click',
      'a@b.c,d@e.f',
      'ada@example.com%0Abcc:x@y.z',
      'ada @example.com',
      'ada@example.com\nBcc: x@y.z',
      'no-at-sign',
      'ada@nodot',
      '"quoted"@example.com',
    ]) {
      expect(visitor.Check({ type: 'profile', email: bad }), bad).toBe(false);
      expect(isValidEmail(bad), bad).toBe(false);
    }
    expect(isValidEmail('ada@example.com')).toBe(true);
  });

  it('rejects missing fields, wrong types and negative seqs', () => {
    expect(visitor.Check({ type: 'send', text: 'no cid' })).toBe(false);
    expect(visitor.Check({ type: 'send', cid: '', text: 'empty cid' })).toBe(false);
    expect(visitor.Check({ type: 'hello', v: '1' })).toBe(false);
    expect(visitor.Check({ type: 'read', conversationId: 'c_1', seq: -1 })).toBe(false);
    expect(visitor.Check({ type: 'claim', cid: 'x', conversationId: 'c_1' })).toBe(false);
  });

  it('accepts agent commands and refuses them without a cid', () => {
    expect(agent.Check({ type: 'claim', cid: 'x', conversationId: 'c_1' })).toBe(true);
    expect(
      agent.Check({ type: 'transfer', cid: 'x', conversationId: 'c_1', toAgentId: 'a_2', note: 'vip' }),
    ).toBe(true);
    expect(agent.Check({ type: 'claim', conversationId: 'c_1' })).toBe(false);
    expect(agent.Check({ type: 'status', status: 'busy' })).toBe(false);
  });

  it('has a per-type schema for every frame type of each union', () => {
    for (const t of ['hello', 'send', 'typing', 'read', 'profile', 'ping'])
      expect(VisitorFrameSchemas[t]).toBeDefined();
    for (const t of ['claim', 'transfer', 'close', 'open', 'note', 'status'])
      expect(AgentFrameSchemas[t]).toBeDefined();
    expect(VisitorFrameSchemas.claim).toBeUndefined();
  });

  it('validates server frames', () => {
    expect(
      server.Check({ type: 'ack', cid: 'a1', conversationId: 'c_1', seq: 1, messageId: 'm_1', at: 1 }),
    ).toBe(true);
    expect(server.Check({ type: 'error', code: ErrorCode.BadJson, message: 'bad' })).toBe(true);
    expect(server.Check({ type: 'ack' })).toBe(false);
  });
});

describe('site settings and the site frame', () => {
  const settings = TypeCompiler.Compile(SiteSettingsRequest);
  const site = {
    id: 'demo',
    name: 'Demo',
    color: '#2563eb',
    title: 'Chat',
    greeting: 'Hi',
    departments: [],
    agentsOnline: false,
  };

  it('accepts a site frame with or without hours, and `open`', () => {
    expect(server.Check({ type: 'site', site })).toBe(true);
    expect(server.Check({ type: 'site', site: { ...site, businessHours: null, open: true } })).toBe(true);
    const hours = { timezone: 'Europe/Lisbon', days: [{ day: 1, from: '09:00', to: '24:00' }] };
    expect(server.Check({ type: 'site', site: { ...site, businessHours: hours, open: false } })).toBe(true);
    expect(server.Check({ type: 'site', site: { ...site, businessHours: { timezone: 'UTC' } } })).toBe(false);
  });

  it('settings: hex colors, HH:MM with 24:00 only as an end, days 0–6, unique departments', () => {
    expect(settings.Check({})).toBe(true);
    expect(settings.Check({ color: '#0f766e', title: 'Hi', departments: ['A', 'B'] })).toBe(true);
    expect(settings.Check({ businessHours: null })).toBe(true);
    expect(settings.Check({ color: 'red' })).toBe(false);
    expect(settings.Check({ departments: ['A', 'A'] })).toBe(false);
    const day = (d: object) => ({ businessHours: { timezone: 'UTC', days: [d] } });
    expect(settings.Check(day({ day: 0, from: '00:00', to: '24:00' }))).toBe(true);
    expect(settings.Check(day({ day: 0, from: '24:00', to: '24:00' }))).toBe(false);
    expect(settings.Check(day({ day: 7, from: '09:00', to: '17:00' }))).toBe(false);
    expect(settings.Check(day({ day: 1, from: '9:00', to: '17:00' }))).toBe(false);
  });

  it('conversation summaries may say whether the visitor is online', () => {
    const conversation = {
      id: 'c_1',
      siteId: 'demo',
      department: null,
      status: 'queued',
      visitor: { id: 'v_1', name: null, email: null, verified: false, attributes: {}, online: true },
      agent: null,
      lastSeq: 0,
      lastMessage: null,
      visitorReadSeq: 0,
      agentReadSeq: 0,
      createdAt: 1,
      updatedAt: 1,
      closedAt: null,
      queuedAt: 1,
      queueFront: false,
    };
    expect(server.Check({ type: 'conversation', conversation })).toBe(true);
    // To its visitor, a place in the queue and an estimated wait; never a negative wait.
    expect(
      server.Check({
        type: 'conversation',
        conversation: { ...conversation, queuePosition: 2, queueWaitMs: 120_000 },
      }),
    ).toBe(true);
    // Whole minutes only: never negative, never 90 s.
    for (const queueWaitMs of [-1, 0, 90_000])
      expect(server.Check({ type: 'conversation', conversation: { ...conversation, queueWaitMs } })).toBe(
        false,
      );
    const { online: _, ...withoutOnline } = conversation.visitor;
    expect(
      server.Check({ type: 'conversation', conversation: { ...conversation, visitor: withoutOnline } }),
    ).toBe(true);
  });
});

describe('codes and limits', () => {
  it('defines distinct close codes and error codes', () => {
    const closes = Object.values(CloseCode);
    expect(new Set(closes).size).toBe(closes.length);
    const errors = Object.values(ErrorCode);
    expect(new Set(errors).size).toBe(errors.length);
    for (const e of errors) expect(e).toMatch(/^SB_ERR_[A-Z_]+$/);
  });

  it('counts characters as code points', () => {
    expect(charCount('abc')).toBe(3);
    expect(charCount('😀😀')).toBe(2);
    expect('😀😀'.length).toBe(4);
  });

  it('backs off with full jitter, capped', () => {
    expect(backoffDelay(0, () => 0.999)).toBeLessThan(Limits.reconnectBaseMs);
    expect(backoffDelay(3, () => 0.5)).toBe(Math.floor(0.5 * Limits.reconnectBaseMs * 8));
    expect(backoffDelay(50, () => 0.999)).toBeLessThan(Limits.reconnectCapMs);
    expect(backoffDelay(50, () => 0)).toBe(0);
    // Spread: many clients at the same attempt land across the whole window.
    const delays = Array.from({ length: 2000 }, () => backoffDelay(10));
    const buckets = new Set(delays.map((d) => Math.floor(d / 3000)));
    expect(buckets.size).toBeGreaterThanOrEqual(9);
  });
});
