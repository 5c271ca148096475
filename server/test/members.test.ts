import { describe, expect, it } from 'vitest';
import { Members } from '../src/bus/members.js';

describe('Members (one member stored as itself, a Set from the second on)', () => {
  it('reports first-in and last-out, counts and visits every member once', () => {
    const m = new Members<string, { n: number }>();
    const a = { n: 1 };
    const b = { n: 2 };
    const c = { n: 3 };
    expect(m.add('t', a)).toBe(true);
    expect(m.add('t', a)).toBe(false); // already there: no duplicate
    expect(m.count('t')).toBe(1);
    expect(m.add('t', b)).toBe(false);
    expect(m.add('t', c)).toBe(false);
    expect(m.count('t')).toBe(3);
    const seen: number[] = [];
    m.forEach('t', (x) => seen.push(x.n));
    expect(seen.sort()).toEqual([1, 2, 3]);
    expect(m.delete('t', { n: 1 })).toBe(false); // not a member (identity, not value)
    expect(m.delete('t', b)).toBe(false);
    expect(m.delete('t', a)).toBe(false); // back to one member
    expect(m.count('t')).toBe(1);
    expect(m.total()).toBe(1);
    const left: number[] = [];
    m.forEach('t', (x) => left.push(x.n));
    expect(left).toEqual([3]);
    expect(m.delete('t', a)).toBe(false); // gone already
    expect(m.delete('t', c)).toBe(true); // the last one
    expect(m.has('t')).toBe(false);
    expect(m.size).toBe(0);
    expect(m.delete('t', c)).toBe(false);
  });

  it('a member removed while visiting does not stop the others', () => {
    const m = new Members<string, { n: number }>();
    const xs = [{ n: 1 }, { n: 2 }, { n: 3 }];
    for (const x of xs) m.add('t', x);
    const seen: number[] = [];
    m.forEach('t', (x) => {
      seen.push(x.n);
      m.delete('t', x);
    });
    expect(seen.sort()).toEqual([1, 2, 3]);
    expect(m.size).toBe(0);
  });
});
