import type { AdminAgent } from '@switchboard/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { linesOf } from '../src/lib/lines.js';
import { $adminAgents, upsertAdminAgent } from '../src/stores/admin.js';
import { entryFromSearch } from '../src/stores/entry.js';
import { resetStores } from '../src/stores/index.js';
import { hrefOf, routeFromHash } from '../src/stores/route.js';

afterEach(() => resetStores());

const agent = (id: string, patch: Partial<AdminAgent> = {}): AdminAgent => ({
  id,
  email: `${id}@shop.test`,
  name: id,
  role: 'agent',
  active: true,
  departments: [],
  maxChats: null,
  invited: false,
  ...patch,
});

describe('entry links', () => {
  it('the setup and invitation links carry their token; anything else is the plain console', () => {
    expect(entryFromSearch('?setup=abc')).toEqual({ kind: 'setup', token: 'abc' });
    expect(entryFromSearch('?invite=x%2By')).toEqual({ kind: 'invite', token: 'x+y' });
    expect(entryFromSearch('?setup=')).toEqual({ kind: 'plain' });
    expect(entryFromSearch('')).toEqual({ kind: 'plain' });
  });
});

describe('route', () => {
  it('reads the hash, with Settings opening on Site and anything unknown on conversations', () => {
    expect(routeFromHash('#/settings/agents')).toBe('settings/agents');
    expect(routeFromHash('#/settings')).toBe('settings/site');
    expect(routeFromHash('#/profile')).toBe('profile');
    expect(routeFromHash('#/nope')).toBe('conversations');
    expect(routeFromHash('')).toBe('conversations');
  });

  it('every route round-trips through its href', () => {
    for (const r of ['conversations', 'settings/site', 'settings/agents', 'profile'] as const) {
      expect(routeFromHash(hrefOf(r))).toBe(r);
    }
  });
});

describe('admin agents', () => {
  it('an answer replaces the agent in place, a new one is appended', () => {
    $adminAgents.set([agent('a'), agent('b')]);
    upsertAdminAgent(agent('a', { active: false }));
    upsertAdminAgent(agent('c', { invited: true }));
    expect($adminAgents.get()?.map((a) => [a.id, a.active, a.invited])).toEqual([
      ['a', false, false],
      ['b', true, false],
      ['c', true, true],
    ]);
  });

  it('are forgotten with the session', () => {
    $adminAgents.set([agent('a')]);
    resetStores();
    expect($adminAgents.get()).toBeNull();
  });
});

describe('one per line', () => {
  it('trims lines and drops blank ones', () => {
    expect(linesOf(' https://a.test \n\n  http://localhost:*\n')).toEqual([
      'https://a.test',
      'http://localhost:*',
    ]);
  });
});
