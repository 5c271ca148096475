import { describe, expect, it } from 'vitest';
import { createTitleFlash } from '../src/alerts';
import { contrast, textColorOn } from '../src/color';

describe('title flash', () => {
  it('prefixes the count and restores the page title exactly', () => {
    const doc = { title: 'Acme — Shoes' };
    const flash = createTitleFlash(doc, () => 'New messages');
    flash.stop(); // nothing to restore yet
    expect(doc.title).toBe('Acme — Shoes');
    flash.start(1);
    expect(doc.title).toBe('(1) New messages — Acme — Shoes');
    flash.start(3); // a second reply: still based on the page's own title
    expect(doc.title).toBe('(3) New messages — Acme — Shoes');
    flash.stop();
    expect(doc.title).toBe('Acme — Shoes');
    flash.stop();
    expect(doc.title).toBe('Acme — Shoes');
  });
});

describe('text color on the brand color', () => {
  it('matches the full WCAG comparison on a sweep of colors', () => {
    for (let r = 0; r < 256; r += 15) {
      for (let g = 0; g < 256; g += 15) {
        for (let b = 0; b < 256; b += 51) {
          const rgb: [number, number, number] = [r, g, b];
          const best = contrast(rgb, [255, 255, 255]) >= contrast(rgb, [17, 24, 39]) ? '#fff' : '#111827';
          expect(textColorOn(rgb), `${rgb}`).toBe(best);
        }
      }
    }
  });
});
