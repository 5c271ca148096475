/**
 * Business hours as the widget shows them, formatted by the server in every widget locale
 * (`SiteConfig.hoursText`): merged days, Monday first, the site's zone as the last line.
 */
import { describe, expect, it } from 'vitest';
import { formatHours } from '../src/chat/hours-text.js';
import { testApp } from './helpers.js';

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

it('the site config carries the lines in every widget locale, the zone last, and none without hours', async () => {
  const { app, dispose } = await testApp();
  try {
    expect((await app.chat.siteConfig('demo')).hoursText).toBeUndefined();
    await app.chat.updateSiteSettings('demo', {
      businessHours: { timezone: 'America/New_York', days: weekdays('09:00', '17:00') },
    });
    const res = await app.inject({ method: 'GET', url: '/api/sites/demo/config' });
    const text = res.json().hoursText as Record<string, string[]>;
    expect(Object.keys(text).sort()).toEqual(['ar', 'de', 'en', 'es', 'fr', 'hi']);
    expect(plain(text.en ?? [])).toEqual(['Mon – Fri 9:00 AM – 5:00 PM', 'America/New_York']);
    expect(plain(text.de ?? [])).toEqual(['Mo – Fr 9:00 – 17:00', 'America/New_York']);
  } finally {
    await dispose();
  }
});
