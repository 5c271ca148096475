import { cleanStores } from 'nanostores';
import { afterEach, describe, expect, it } from 'vitest';
import { notificationFor } from '../src/lib/notify.js';
import { titleFor } from '../src/lib/title.js';
import { $activeId } from '../src/stores/active.js';
import { upsertConversation } from '../src/stores/conversations.js';
import { resetStores } from '../src/stores/index.js';
import { $unreadIds, isUnread, markRead } from '../src/stores/reads.js';
import { conversation } from './fixtures.js';

afterEach(() => {
  resetStores();
  cleanStores($unreadIds);
});

describe('unread', () => {
  it('is set by a new visitor message and cleared by reading or viewing', () => {
    upsertConversation(conversation('c1', { status: 'assigned', lastSeq: 3 }));
    expect([...$unreadIds.get()]).toEqual(['c1']);
    expect(markRead('c1', 3)).toBe(true);
    expect($unreadIds.get().size).toBe(0);
    upsertConversation(conversation('c1', { status: 'assigned', lastSeq: 4, updatedAt: 2_000 }));
    expect($unreadIds.get().size).toBe(1);
    $activeId.set('c1');
    expect($unreadIds.get().size).toBe(0);
  });

  it('read marks only move forward', () => {
    expect(markRead('c1', 5)).toBe(true);
    expect(markRead('c1', 4)).toBe(false);
    expect(markRead('c1', 5)).toBe(false);
  });

  it('our own last reply is not unread, nor what another agent already read', () => {
    const c = conversation('c', { lastSeq: 4 });
    expect(isUnread({ ...c, lastMessage: { text: 'x', authorKind: 'agent', at: 1 } }, 0, null)).toBe(false);
    expect(isUnread({ ...c, agentReadSeq: 4 }, 0, null)).toBe(false);
    expect(isUnread(c, 0, null)).toBe(true);
  });

  it('counts in the tab title', () => {
    expect(titleFor(0)).toBe('Switchboard · Agent console');
    expect(titleFor(2)).toBe('(2) Switchboard · Agent console');
  });
});

describe('notifications', () => {
  const mine = conversation('c1', { status: 'assigned', agent: { id: 'me', name: 'Me' }, lastSeq: 2 });

  it('notifies a new visitor message in my conversation, and a newly queued conversation', () => {
    expect(notificationFor(mine, { ...mine, lastSeq: 3 }, 'me')).toEqual({
      title: 'Visitor visito',
      body: 'Hello?',
    });
    expect(notificationFor(undefined, conversation('q'), 'me')?.title).toBe('New in queue: Visitor visito');
  });

  it('stays quiet for my own replies, other agents’ chats and unchanged summaries', () => {
    const agentLast = {
      ...mine,
      lastSeq: 3,
      lastMessage: { text: 'x', authorKind: 'agent' as const, at: 1 },
    };
    expect(notificationFor(mine, agentLast, 'me')).toBeNull();
    expect(notificationFor(mine, { ...mine, lastSeq: 3 }, 'someone-else')).toBeNull();
    expect(notificationFor(mine, mine, 'me')).toBeNull();
  });
});

describe('unreadCount', () => {
  it('counts the lines since the last read, only when the visitor wrote last and it is not open', async () => {
    const { unreadCount } = await import('../src/stores/reads.js');
    const c = conversation('c9', {
      lastSeq: 7,
      agentReadSeq: 4,
      lastMessage: { text: 'x', authorKind: 'visitor', at: 1 },
    });
    expect(unreadCount(c, 0, null)).toBe(3);
    expect(unreadCount(c, 6, null)).toBe(1); // read further in this tab than the server knew
    expect(unreadCount(c, 0, 'c9')).toBe(0); // open
    expect(unreadCount({ ...c, lastMessage: { text: 'x', authorKind: 'agent', at: 1 } }, 0, null)).toBe(0);
  });
});
