import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { PREACT_CUTS, trimPreact } from '../preact-trim';

const require = createRequire(import.meta.url);
const file = join(require.resolve('preact/package.json'), '../dist/preact.module.js');

it('cuts every piece it names out of the pinned Preact, each found exactly once', () => {
  const code = readFileSync(file, 'utf8');
  const trimmed = trimPreact(code);
  expect(trimmed.length).toBeLessThan(code.length);
  for (const [from] of PREACT_CUTS) expect(trimmed.includes(from)).toBe(false);
  // What the widget relies on is still there.
  for (const kept of ['l.__r', 'l.unmount', 'l.vnode', 'l.diffed', '"progress"==x', 'setProperty']) {
    expect(trimmed).toContain(kept);
  }
});

it('refuses a Preact the cuts do not fit', () => {
  expect(() => trimPreact('export const h = 1;')).toThrow(/not found exactly once/);
  const code = readFileSync(file, 'utf8');
  const [from] = PREACT_CUTS[0]!;
  expect(() => trimPreact(code + from)).toThrow(/not found exactly once/);
});

it('leaves a module that loads (hooks.test.ts renders with it)', async () => {
  const trimmed = trimPreact(readFileSync(file, 'utf8')).replace(/\/\/# sourceMappingURL=.*$/m, '');
  const mod = (await import(`data:text/javascript;base64,${Buffer.from(trimmed).toString('base64')}`)) as {
    h: unknown;
    render: unknown;
    options: unknown;
  };
  expect(typeof mod.h).toBe('function');
  expect(typeof mod.render).toBe('function');
  expect(typeof mod.options).toBe('object');
});
