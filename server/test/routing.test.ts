import { ErrorCode, queueOrder, seesConversation } from '@switchboard/protocol';
import { describe, expect, it } from 'vitest';
import { originAllowed } from '../src/http/origin.js';
import {
  type ActingAgent,
  agentSideTopics,
  anyAuto,
  canMarkRead,
  canReply,
  checkText,
  decideClaim,
  decideClose,
  decideReopen,
  decideRequeue,
  decideTransfer,
  estimatedWait,
  MAX_ESTIMATE_MS,
  messageTopics,
  planVisitorSend,
  routingModeOf,
  summaryTopics,
  Topic,
  viewerTopics,
} from '../src/routing/index.js';
import type { ConversationState } from '../src/routing/types.js';
import { InvalidFrameCounter, TokenBucket } from '../src/ws/rate-limit.js';

const ana: ActingAgent = { id: 'a_ana', name: 'Ana Silva', role: 'agent' };
const ben: ActingAgent = { id: 'a_ben', name: 'Ben Okafor', role: 'agent' };
const admin: ActingAgent = { id: 'a_admin', name: 'Admin', role: 'admin' };
const queued: ConversationState = { status: 'queued', agentId: null, department: 'Sales' };
const anas: ConversationState = { status: 'assigned', agentId: ana.id, department: 'Sales' };
const closed: ConversationState = { status: 'closed', agentId: ana.id, department: 'Sales' };
const DEPTS = ['Sales', 'Support'];

describe('claim', () => {
  it('assigns a queued conversation with a "joined" line', () => {
    const d = decideClaim(queued, ana);
    expect(d).toMatchObject({ ok: true, kind: 'change', next: { status: 'assigned', agentId: ana.id } });
    if (d.ok && d.kind === 'change') {
      expect(d.line?.event).toEqual({ kind: 'joined', agentName: 'Ana Silva' });
      expect(d.line?.text).toContain('Ana Silva');
    }
  });
  it('refuses when another agent has it, is idempotent for the same agent', () => {
    expect(decideClaim(anas, ben)).toMatchObject({ ok: false, code: ErrorCode.AlreadyClaimed });
    expect(decideClaim(anas, ana)).toEqual({ ok: true, kind: 'noop' });
  });
  it('refuses a closed conversation', () => {
    expect(decideClaim(closed, ben)).toMatchObject({ ok: false, code: ErrorCode.Conflict });
  });
});

describe('transfer', () => {
  it('to an agent: assigned at once, "Transferred to Ben Okafor"', () => {
    const d = decideTransfer(anas, ana, { agent: { id: ben.id, name: ben.name } }, DEPTS);
    expect(d).toMatchObject({ ok: true, kind: 'change', next: { status: 'assigned', agentId: ben.id } });
    if (d.ok && d.kind === 'change') expect(d.line?.text).toBe('Transferred to Ben Okafor');
  });
  it('to a department: back in that queue', () => {
    const d = decideTransfer(anas, ana, { department: 'Support' }, DEPTS);
    expect(d).toMatchObject({ ok: true, next: { status: 'queued', agentId: null, department: 'Support' } });
    if (d.ok && d.kind === 'change')
      expect(d.line?.event).toEqual({ kind: 'transferred', department: 'Support' });
  });
  it('refuses an unknown department, a non-assignee, a closed conversation and an empty target', () => {
    expect(decideTransfer(anas, ana, { department: 'Nope' }, DEPTS)).toMatchObject({
      code: ErrorCode.NotFound,
    });
    expect(decideTransfer(anas, ben, { department: 'Support' }, DEPTS)).toMatchObject({
      code: ErrorCode.Forbidden,
    });
    expect(decideTransfer(closed, ana, { department: 'Support' }, DEPTS)).toMatchObject({
      code: ErrorCode.Conflict,
    });
    expect(decideTransfer(anas, ana, {}, DEPTS)).toMatchObject({ code: ErrorCode.BadFrame });
  });
  it('lets an admin transfer anyone’s conversation; repeating it is a no-op', () => {
    expect(decideTransfer(anas, admin, { agent: { id: ben.id, name: ben.name } }, DEPTS)).toMatchObject({
      kind: 'change',
    });
    const bens: ConversationState = { ...anas, agentId: ben.id };
    expect(decideTransfer(bens, admin, { agent: { id: ben.id, name: ben.name } }, DEPTS)).toEqual({
      ok: true,
      kind: 'noop',
    });
  });
});

describe('close, reopen, requeue', () => {
  it('close: assignee or admin; the line contains "closed"; closing twice is a no-op', () => {
    const d = decideClose(anas, ana);
    expect(d).toMatchObject({ ok: true, kind: 'change', next: { status: 'closed' } });
    if (d.ok && d.kind === 'change') expect(d.line?.text.toLowerCase()).toContain('closed');
    expect(decideClose(anas, ben)).toMatchObject({ ok: false, code: ErrorCode.Forbidden });
    expect(decideClose(anas, admin)).toMatchObject({ kind: 'change' });
    expect(decideClose(closed, ana)).toEqual({ ok: true, kind: 'noop' });
  });
  it('reopen puts a closed conversation back in its queue', () => {
    expect(decideReopen(closed)).toMatchObject({
      kind: 'change',
      next: { status: 'queued', agentId: null, department: 'Sales' },
      line: { event: { kind: 'reopened' } },
    });
    expect(decideReopen(anas)).toEqual({ ok: true, kind: 'noop' });
  });
  it('requeue only touches conversations still assigned to the dropped agent', () => {
    expect(decideRequeue(anas, ana.id)).toMatchObject({
      kind: 'change',
      next: { status: 'queued', agentId: null },
    });
    expect(decideRequeue(anas, ben.id)).toEqual({ ok: true, kind: 'noop' });
    expect(decideRequeue(queued, ana.id)).toEqual({ ok: true, kind: 'noop' });
  });
  it('who may reply', () => {
    expect(canReply(anas, ana)).toEqual({ ok: true });
    expect(canReply(anas, ben)).toMatchObject({ ok: false, code: ErrorCode.Forbidden });
    expect(canReply(queued, ben)).toMatchObject({ ok: false, code: ErrorCode.Forbidden });
    expect(canReply(queued, admin)).toEqual({ ok: true });
    expect(canReply(closed, admin)).toMatchObject({ ok: false, code: ErrorCode.Conflict });
  });
  it('who may mark read: the assignee, an admin, and the agent who had a closed one (its rating comes after)', () => {
    expect(canMarkRead(anas, ana)).toEqual({ ok: true });
    expect(canMarkRead(closed, ana)).toEqual({ ok: true });
    expect(canMarkRead(closed, ben)).toMatchObject({ ok: false, code: ErrorCode.Forbidden });
    expect(canMarkRead(queued, ben)).toMatchObject({ ok: false, code: ErrorCode.Forbidden });
    expect(canMarkRead(closed, admin)).toEqual({ ok: true });
  });
  it('a visitor send creates, appends or reopens', () => {
    expect(planVisitorSend(null)).toBe('create');
    expect(planVisitorSend(queued)).toBe('append');
    expect(planVisitorSend(anas)).toBe('append');
    expect(planVisitorSend(closed)).toBe('reopen');
  });
});

describe('the place in the queue', () => {
  it.each([
    ['a claim', decideClaim(queued, ana), null],
    [
      'a transfer to an agent',
      decideTransfer(anas, ana, { agent: { id: ben.id, name: ben.name } }, DEPTS),
      null,
    ],
    ['a transfer to a department', decideTransfer(anas, ana, { department: 'Support' }, DEPTS), 'front'],
    [
      'a queued one moved to another department',
      decideTransfer(queued, ana, { department: 'Support' }, DEPTS),
      'front',
    ],
    ['a re-queue (the agent went away)', decideRequeue(anas, ana.id), 'front'],
    ['a reopen (the visitor wrote again)', decideReopen(closed), 'back'],
    ['a close', decideClose(anas, ana), null],
  ])('%s: %s', (_what, d, place) => {
    expect(d).toMatchObject({ ok: true, kind: 'change', queue: place });
  });
  it('orders front first, then the longest waiting, then by id', () => {
    const q = (id: string, queuedAt: number, queueFront = false) => ({ id, queuedAt, queueFront });
    const order = [
      q('new', 300),
      q('old', 100),
      q('moved', 500, true),
      q('moved-first', 400, true),
      q('b', 200),
      q('a', 200),
    ]
      .sort(queueOrder)
      .map((c) => c.id);
    expect(order).toEqual(['moved-first', 'moved', 'old', 'a', 'b', 'new']);
  });
  it.each([
    [null, 1, undefined],
    [60_000, 1, 60_000],
    [60_000, 3, 180_000],
    [90_000, 1, 120_000],
    [1, 1, 60_000],
    [0, 2, 60_000],
    [MAX_ESTIMATE_MS / 2, 2, MAX_ESTIMATE_MS],
    [MAX_ESTIMATE_MS / 2, 3, undefined],
    [-5, 1, undefined],
    [Number.NaN, 1, undefined],
  ])('average wait %s at position %s: %s ms', (average, position, expected) => {
    expect(estimatedWait(average, position).queueWaitMs).toBe(expected);
  });
});

describe('topics', () => {
  const conv = { id: 'c1', siteId: 'demo', visitorId: 'v1', agentId: 'a1' };
  it('messages go to the visitor, watchers and the assignee, each topic once', () => {
    expect(messageTopics(conv, ['a1', 'a2', null])).toEqual([
      'visitor:v1',
      'conv:c1',
      'agent:a1',
      'agent:a2',
    ]);
  });
  it('notes never go to the visitor', () => {
    expect(agentSideTopics(conv)).not.toContain(Topic.visitor('v1'));
  });
  it('a conversation without a department goes to every agent of the site, and the visitor', () => {
    expect(summaryTopics({ ...conv, department: null })).toEqual(['site:demo:agents', 'visitor:v1']);
  });
  it('a department’s conversation goes to admins and agents without departments, its members and its assignee', () => {
    expect(summaryTopics({ ...conv, department: 'Billing' })).toEqual([
      'site:demo:all',
      'site:demo:dept:Billing',
      'agent:a1',
      'visitor:v1',
    ]);
  });
  it('a transfer also tells those who saw it before: the old department, the old assignee', () => {
    const moved = { ...conv, agentId: null, department: 'Sales' };
    expect(summaryTopics(moved, [{ department: 'Billing', agentId: 'a7' }]).sort()).toEqual(
      ['site:demo:all', 'site:demo:dept:Sales', 'site:demo:dept:Billing', 'agent:a7', 'visitor:v1'].sort(),
    );
    // Out of the general queue into a department: the general queue's listeners hear it leave.
    expect(summaryTopics(moved, [{ department: null, agentId: null }])).toContain('site:demo:agents');
  });
  it('an agent socket subscribes to its departments; admins and agents without departments to all', () => {
    const who = (role: 'agent' | 'admin', departments: string[]) => ({
      id: 'a1',
      siteId: 'demo',
      role,
      departments,
    });
    expect(viewerTopics(who('agent', ['Billing', 'Sales']))).toEqual([
      'site:demo:dept:Billing',
      'site:demo:dept:Sales',
    ]);
    expect(viewerTopics(who('agent', []))).toEqual(['site:demo:all']);
    expect(viewerTopics(who('admin', ['Billing']))).toEqual(['site:demo:all']);
  });
  it.each([
    ['an admin', 'admin', ['Sales'], 'Billing', null, true],
    ['an agent without departments', 'agent', [], 'Billing', null, true],
    ['a member of the department', 'agent', ['Billing'], 'Billing', null, true],
    ['an agent of another department', 'agent', ['Sales'], 'Billing', null, false],
    ['anyone, without a department', 'agent', ['Sales'], null, null, true],
    ['the assignee, out of their departments', 'agent', ['Sales'], 'Billing', 'a1', true],
    ['another agent’s, out of their departments', 'agent', ['Sales'], 'Billing', 'a2', false],
  ] as const)('%s sees it: %s', (_who, role, departments, department, agentId, sees) => {
    expect(seesConversation({ id: 'a1', role, departments }, { department, agentId })).toBe(sees);
  });
});

describe('text rules', () => {
  it('trims, refuses empty and over-long text counted in code points', () => {
    expect(checkText('  hi  ', 4000)).toEqual({ ok: true, text: 'hi' });
    expect(checkText(' \n\t ', 4000)).toMatchObject({ ok: false, code: ErrorCode.TextEmpty });
    // Invisible-only text is empty; a visible character among them keeps it.
    expect(checkText('\u200b\u200c\u200d\u2060\ufeff\u200e', 4000)).toMatchObject({
      ok: false,
      code: ErrorCode.TextEmpty,
    });
    expect(checkText('\u3164\u2800\ufe0f \u00a0', 4000)).toMatchObject({
      ok: false,
      code: ErrorCode.TextEmpty,
    });
    expect(checkText('\u200bhi\u200b', 4000)).toEqual({ ok: true, text: '\u200bhi\u200b' });
    expect(checkText('👍🏽', 4000)).toEqual({ ok: true, text: '👍🏽' });
    expect(checkText('👨\u200d👩\u200d👧', 4000).ok).toBe(true);
    // Lone surrogates are refused, paired ones (emoji) are fine.
    for (const bad of ['x\ud800y', '\udc00', 'a\ud83d', '\ude00b']) {
      expect(checkText(bad, 4000)).toMatchObject({ ok: false, code: ErrorCode.TextMalformed });
    }
    expect(checkText('x'.repeat(4001), 4000)).toMatchObject({ ok: false, code: ErrorCode.TextTooLong });
    // 4000 emoji are 8000 UTF-16 units but 4000 characters: allowed.
    expect(checkText('😀'.repeat(4000), 4000).ok).toBe(true);
    expect(checkText('😀'.repeat(4001), 4000)).toMatchObject({ ok: false, code: ErrorCode.TextTooLong });
  });
});

describe('origins', () => {
  const demo = ['http://localhost:*', 'http://127.0.0.1:*'];
  it('matches any port of the listed hosts, nothing else', () => {
    expect(originAllowed('http://localhost:5173', demo)).toBe(true);
    expect(originAllowed('http://localhost', demo)).toBe(true);
    expect(originAllowed('http://127.0.0.1:8080', demo)).toBe(true);
    expect(originAllowed('http://evil.test', demo)).toBe(false);
    expect(originAllowed('http://localhost.evil.test', demo)).toBe(false);
    expect(originAllowed('https://localhost:5173', demo)).toBe(false);
    expect(originAllowed(undefined, demo)).toBe(false);
    expect(originAllowed('https://shop.example', ['https://shop.example'])).toBe(true);
  });
});

describe('rate limits', () => {
  it('token bucket: burst, then refill per second', () => {
    let now = 0;
    const b = new TokenBucket(3, 1, () => now);
    expect([b.take(), b.take(), b.take(), b.take()]).toEqual([true, true, true, false]);
    now += 999;
    expect(b.take()).toBe(false);
    now += 1;
    expect(b.take()).toBe(true);
  });
  it('invalid frames: the 10th within the window trips, older ones expire', () => {
    let now = 0;
    const c = new InvalidFrameCounter(10, 10_000, () => now);
    for (let i = 0; i < 9; i++) expect(c.hit()).toBe(false);
    now += 10_001;
    expect(c.hit()).toBe(false);
    for (let i = 0; i < 8; i++) expect(c.hit()).toBe(false);
    expect(c.hit()).toBe(true);
  });
});

describe('routing mode per department', () => {
  const site = (assignment: 'manual' | 'auto', overrides: Record<string, 'manual' | 'auto'> = {}) => ({
    assignment,
    departmentAssignment: overrides,
  });
  it.each([
    ['manual site, no overrides', site('manual'), 'Billing', 'manual'],
    ['manual site, Billing auto', site('manual', { Billing: 'auto' }), 'Billing', 'auto'],
    [
      'manual site, Billing auto: Sales follows the site',
      site('manual', { Billing: 'auto' }),
      'Sales',
      'manual',
    ],
    ['auto site, Sales manual', site('auto', { Sales: 'manual' }), 'Sales', 'manual'],
    ['auto site: no department follows the site', site('auto', { Sales: 'manual' }), null, 'auto'],
    ['an old row without either', {}, 'Sales', 'manual'],
  ] as const)('%s', (_what, s, department, mode) => {
    expect(routingModeOf(s, department)).toBe(mode);
  });
  it('the planner runs when anything is automatic', () => {
    expect(anyAuto(site('manual'))).toBe(false);
    expect(anyAuto(site('manual', { Billing: 'auto' }))).toBe(true);
    expect(anyAuto(site('auto', { Sales: 'manual' }))).toBe(true);
    expect(anyAuto(site('manual', { Sales: 'manual' }))).toBe(false);
  });
});
