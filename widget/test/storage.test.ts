import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memoryStorage, siteStorage } from '../src/storage';

/** The page's localStorage, as a Storage-like object whose own keys are its items. */
let page: ReturnType<typeof memoryStorage>;
const keys = () => Object.keys(page).sort();

beforeEach(() => {
  page = memoryStorage();
  (globalThis as { localStorage?: unknown }).localStorage = page;
});
afterEach(() => {
  delete (globalThis as { localStorage?: unknown }).localStorage;
});

describe('siteStorage and consent', () => {
  it('writes to the page storage under sb:<site>:', () => {
    const kv = siteStorage('demo');
    kv.set('token', 't1');
    expect(keys()).toEqual(['sb:demo:token']);
    expect(kv.get('token')).toBe('t1');
    kv.del('token');
    expect(keys()).toEqual([]);
  });

  it('held in memory writes nothing to the page; consent carries it over', () => {
    const kv = siteStorage('demo', memoryStorage());
    kv.set('outbox', '[{"cid":"c1","text":"hi","at":1}]');
    kv.set('email', 'ada@x.test');
    expect(keys()).toEqual([]);
    kv.move(true);
    expect(keys()).toEqual(['sb:demo:email', 'sb:demo:outbox']);
    expect(kv.get('email')).toBe('ada@x.test');
    kv.set('token', 't1'); // from now on in the page storage
    expect(page.getItem('sb:demo:token')).toBe('t1');
  });

  it('withdrawal removes every key of this site, and only those, then keeps to memory', () => {
    page.setItem('sb:other:token', 'keep');
    page.setItem('shop:cart', 'keep');
    const kv = siteStorage('demo');
    kv.set('token', 't1');
    kv.set('vid', 'v1');
    kv.move(false);
    expect(keys()).toEqual(['sb:other:token', 'shop:cart']);
    expect(kv.get('token')).toBeNull();
    kv.set('outbox', '[]');
    expect(keys()).toEqual(['sb:other:token', 'shop:cart']);
    expect(kv.get('outbox')).toBe('[]');
  });

  it('falls back to memory where the page storage throws', () => {
    delete (globalThis as { localStorage?: unknown }).localStorage; // a ReferenceError, like a blocked one
    const kv = siteStorage('demo');
    kv.set('token', 't1');
    expect(kv.get('token')).toBe('t1');
  });
});
