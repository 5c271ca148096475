import { describe, expect, it } from 'vitest';
import { createTitleFlash } from '../src/alerts';
import { contrast, textColorOn } from '../src/color';
import { formatHours } from '../src/hours';

/** Intl uses narrow/thin no-break spaces; compare with plain ones. */
const plain = (lines: string[]) => lines.map((l) => l.replace(/\s/g, ' '));
const weekdays = (from: string, to: string) => [1, 2, 3, 4, 5].map((day) => ({ day, from, to }));

describe('business hours', () => {
  it('merges consecutive days with the same hours, Monday first, in the visitor locale', () => {
    const bh = {
      timezone: 'Europe/Lisbon',
      days: [...weekdays('09:00', '17:30'), { day: 6, from: '10:00', to: '14:00' }],
    };
    expect(plain(formatHours(bh, 'en', 'Europe/Lisbon'))).toEqual([
      'Mon – Fri 9:00 AM – 5:30 PM',
      'Sat 10:00 AM – 2:00 PM',
    ]);
    expect(plain(formatHours(bh, 'de', 'Europe/Lisbon'))).toEqual([
      'Mo – Fr 9:00 – 17:30',
      'Sa 10:00 – 14:00',
    ]);
  });

  it('names the zone when it is not the visitor’s, lists split days, and handles 24:00', () => {
    const bh = {
      timezone: 'America/New_York',
      days: [
        { day: 3, from: '13:00', to: '17:00' },
        { day: 3, from: '09:00', to: '12:00' },
        { day: 0, from: '00:00', to: '24:00' },
      ],
    };
    expect(plain(formatHours(bh, 'en', 'Europe/Berlin'))).toEqual([
      'Wed 9:00 AM – 12:00 PM, 1:00 PM – 5:00 PM',
      'Sun 12:00 AM – 12:00 AM',
      'America/New_York',
    ]);
  });

  it('shows nothing for a site with no open days', () => {
    expect(formatHours({ timezone: 'UTC', days: [] }, 'en', 'Asia/Tokyo')).toEqual([]);
  });

  it('formats Arabic and Hindi with their own names', () => {
    const [ar] = formatHours({ timezone: 'UTC', days: weekdays('09:00', '17:00') }, 'ar', 'UTC');
    expect(ar).toContain('الاثنين');
    const [hi] = formatHours({ timezone: 'UTC', days: weekdays('09:00', '17:00') }, 'hi', 'UTC');
    expect(hi).toContain('सोम');
  });
});

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
