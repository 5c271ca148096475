import { once } from 'node:events';
import { describe, expect, it, onTestFinished } from 'vitest';
import { redisKeys, redisSkipped, redisTestKeys } from './redis-helpers.js';

describe.skipIf(redisSkipped)('the test Redis server', () => {
  it('stores and returns a value under the test prefix, and drop() removes it', async () => {
    const space = redisTestKeys();
    onTestFinished(() => space.drop());
    const a = space.connect();
    await a.set(`${space.prefix}greeting`, 'hello');
    const b = space.connect();
    expect(await b.get(`${space.prefix}greeting`)).toBe('hello');
    await space.drop();

    const check = redisTestKeys();
    onTestFinished(() => check.drop());
    expect(await redisKeys(check.connect(), space.prefix)).toEqual([]);
  });

  it('gives each test a key prefix of its own', async () => {
    const one = redisTestKeys();
    const two = redisTestKeys();
    onTestFinished(() => one.drop());
    onTestFinished(() => two.drop());
    expect(one.prefix).not.toBe(two.prefix);
    const c = one.connect();
    await c.set(`${one.prefix}k`, '1');
    expect(await redisKeys(c, two.prefix)).toEqual([]);
    expect(await redisKeys(c, one.prefix)).toEqual([`${one.prefix}k`]);
  });

  it('delivers a publish on one connection to a subscriber on another', async () => {
    const space = redisTestKeys();
    onTestFinished(() => space.drop());
    const sub = space.connect();
    const pub = space.connect();
    const channel = `${space.prefix}chan`;
    await sub.subscribe(channel);
    const received = once(sub, 'message');
    expect(await pub.publish(channel, 'ping')).toBe(1);
    expect(await received).toEqual([channel, 'ping']);
  });
});
