import { afterEach, describe, expect, it, vi } from 'vitest';
import { cidNearEnds, parseFrame } from '../src/ws/frames.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('frame size is checked before parsing', () => {
  it('an oversized frame is refused without JSON.parse, and its cid is still echoed', () => {
    const parse = vi.spyOn(JSON, 'parse');
    const text = JSON.stringify({ type: 'send', cid: 'big-1', text: 'x'.repeat(70_000) });
    const r = parseFrame('visitor', text, 65_536, Buffer.byteLength(text));
    expect(r).toMatchObject({ ok: false, code: 'SB_ERR_TOO_LARGE', cid: 'big-1' });
    expect(parse).not.toHaveBeenCalled();
    // A frame within the limit is parsed once.
    const small = JSON.stringify({ type: 'send', cid: 's', text: 'hi' });
    expect(parseFrame('visitor', small, 65_536, small.length)).toMatchObject({ ok: true });
    expect(parse).toHaveBeenCalledTimes(1);
  });

  it('finds a cid near either end only', () => {
    expect(cidNearEnds(`{"text":"${'y'.repeat(1000)}","cid":"tail"}`)).toBe('tail');
    expect(cidNearEnds(`{"a":"${'y'.repeat(1000)}","cid":"mid","b":"${'z'.repeat(1000)}"}`)).toBeUndefined();
    expect(cidNearEnds('{"cid": "ok-2", "type":"send"}')).toBe('ok-2');
    expect(cidNearEnds('{"cid":"has\\"quote"}')).toBeUndefined();
  });
});
