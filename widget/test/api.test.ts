import { describe, expect, it } from 'vitest';
import { createApi } from '../src/api';
import { createEmitter } from '../src/events';
import type { Widget } from '../src/widget';

function setup() {
  const calls: string[] = [];
  const warnings: string[] = [];
  let boots = 0;
  const emitter = createEmitter((e) => calls.push(`handler threw ${String(e)}`));
  const boot = (): Widget => {
    const n = ++boots;
    return {
      open: () => calls.push(`open#${n}`),
      close: () => calls.push(`close#${n}`),
      toggle: () => calls.push(`toggle#${n}`),
      identify: (u) => calls.push(`identify#${n} ${JSON.stringify(u)}`),
      setAttributes: (a) => calls.push(`attrs#${n} ${JSON.stringify(a)}`),
      consent: (yes) => calls.push(`consent#${n} ${yes}`),
      shutdown: () => calls.push(`shutdown#${n}`),
    };
  };
  const api = createApi({
    emitter,
    boot,
    consent: (yes) => calls.push(`consent(no widget) ${yes}`),
    warn: (m) => warnings.push(m),
  });
  return { api, calls, warnings, emitter };
}

/** What the snippet queues: `arguments` objects. */
function queued(...calls: unknown[][]): IArguments[] {
  return calls.map((args) =>
    function (this: unknown) {
      // biome-ignore lint/complexity/noArguments: the snippet pushes real arguments objects
      return arguments;
    }.apply(null, args as []),
  );
}

describe('Switchboard JS API', () => {
  it('replays queued calls in order after boot', () => {
    const { api, calls, emitter } = setup();
    const seen: unknown[] = [];
    api.boot();
    api.replay(
      queued(
        ['on', 'unread', (p: unknown) => seen.push(p)],
        ['identify', { id: 'u1', name: 'Ada', email: 'ada@x.test', hash: 'h', extra: 1 }],
        ['setAttributes', { plan: 'pro', seats: 3, skip: null }],
        ['open'],
      ),
    );
    expect(calls).toEqual([
      'identify#1 {"id":"u1","name":"Ada","email":"ada@x.test","hash":"h"}',
      'attrs#1 {"plan":"pro","seats":"3"}',
      'open#1',
    ]);
    emitter.emit('unread', { count: 2 });
    expect(seen).toEqual([{ count: 2 }]);
  });

  it('warns about unknown commands and bad arguments, never throws', () => {
    const { api, warnings } = setup();
    api.boot();
    api('fly');
    api('on', 'explode', () => {});
    api('on', 'open', 'not a function');
    api('identify', { name: 'no id' });
    api('setAttributes', 'nope');
    api('consent');
    api('consent', 'yes');
    expect(warnings).toHaveLength(7);
    expect(warnings[0]).toContain('"fly"');
    expect(warnings[0]).toContain('| consent |');
    expect(warnings[1]).toContain('open | close | message | unread');
    expect(warnings[3]).toBe('Switchboard: identify needs {id, name?, email?, hash?}.');
    expect(warnings[5]).toBe('Switchboard: consent needs true or false.');
  });

  it('hands consent to the running widget, and to the page while none runs (after shutdown)', () => {
    const { api, calls } = setup();
    api.boot();
    api.replay(queued(['consent', true]));
    api('consent', false);
    api('shutdown');
    api('consent', true); // remembered for the next boot, which reads it from the config
    api('consent', false); // withdrawn with nothing running: the keys still go
    expect(calls).toEqual([
      'consent#1 true',
      'consent#1 false',
      'shutdown#1',
      'consent(no widget) true',
      'consent(no widget) false',
    ]);
  });

  it('on/off manage handlers; a throwing handler does not stop the others', () => {
    const { api, emitter, calls } = setup();
    const got: string[] = [];
    const a = () => got.push('a');
    api('on', 'open', () => {
      throw new Error('host bug');
    });
    api('on', 'open', a);
    emitter.emit('open');
    api('off', 'open', a);
    emitter.emit('open');
    expect(got).toEqual(['a']);
    expect(calls.filter((c) => c.startsWith('handler threw'))).toHaveLength(2);
  });

  it('shutdown tears down; a later open boots a fresh widget; identify in between is kept', () => {
    const { api, calls } = setup();
    api.boot();
    api('open');
    api('shutdown');
    api('close'); // nothing running: no boot just to close
    api('identify', { id: 'u2' });
    api('open');
    expect(calls).toEqual(['open#1', 'shutdown#1', 'identify#2 {"id":"u2"}', 'open#2']);
  });
});
