import { describe, expect, it } from 'vitest';
import { TurnReads } from '../src/storage/turn-reads.js';

describe('TurnReads', () => {
  it('answers the lookups of one turn with one fetch, each caller with its own row', async () => {
    const fetched: string[][] = [];
    const reads = new TurnReads<{ id: string }>(async (ids) => {
      fetched.push(ids);
      return new Map(ids.filter((id) => id !== 'missing').map((id) => [id, { id }]));
    });
    const answers = await Promise.all([reads.get('a'), reads.get('b'), reads.get('a'), reads.get('missing')]);
    expect(answers).toEqual([{ id: 'a' }, { id: 'b' }, { id: 'a' }, null]);
    expect(fetched).toEqual([['a', 'b', 'missing']]);
    // A later turn asks again (nothing is kept between turns).
    expect(await reads.get('a')).toEqual({ id: 'a' });
    expect(fetched).toHaveLength(2);
  });

  it('fails every lookup of the turn when the fetch fails, and the next turn fetches afresh', async () => {
    let fail = true;
    const reads = new TurnReads<{ id: string }>(async (ids) => {
      if (fail) throw new Error('database away');
      return new Map(ids.map((id) => [id, { id }]));
    });
    const failed = await Promise.allSettled([reads.get('a'), reads.get('b')]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await reads.get('b')).toEqual({ id: 'b' });
  });
});
