import type { BusinessHours } from '@switchboard/protocol';
import { describe, expect, it } from 'vitest';
import { businessHoursProblem, isOpenAt, isValidTimeZone, wallClock } from '../src/routing/index.js';

/** Monday to Friday, 09:00–17:00 in `timezone`. */
function weekdays(timezone: string): BusinessHours {
  return { timezone, days: [1, 2, 3, 4, 5].map((day) => ({ day, from: '09:00', to: '17:00' })) };
}

// 2024-01-15 is a Monday; 2024-07-15 too.
const at = (iso: string) => new Date(iso);

describe('wall clock in a time zone', () => {
  it('reads day and time in the zone, across day boundaries and odd offsets', () => {
    const instant = at('2024-01-15T23:30:00Z');
    expect(wallClock(instant, 'UTC')).toEqual({ day: 1, minutes: 23 * 60 + 30 });
    expect(wallClock(instant, 'Asia/Tokyo')).toEqual({ day: 2, minutes: 8 * 60 + 30 }); // Tue 08:30
    expect(wallClock(instant, 'America/New_York')).toEqual({ day: 1, minutes: 18 * 60 + 30 });
    expect(wallClock(instant, 'Asia/Kolkata')).toEqual({ day: 2, minutes: 5 * 60 }); // +05:30
    expect(wallClock(instant, 'Pacific/Auckland')).toEqual({ day: 2, minutes: 12 * 60 + 30 }); // +13 (DST)
  });

  it('midnight is minute 0 of the new day, never "24:00"', () => {
    expect(wallClock(at('2024-01-16T00:00:00Z'), 'UTC')).toEqual({ day: 2, minutes: 0 });
    expect(wallClock(at('2024-01-15T15:00:00Z'), 'Asia/Tokyo')).toEqual({ day: 2, minutes: 0 });
  });
});

describe('isOpenAt', () => {
  it('no hours: always open; an empty week: always closed', () => {
    expect(isOpenAt(null, at('2024-01-14T03:00:00Z'))).toBe(true);
    expect(isOpenAt(undefined, at('2024-01-14T03:00:00Z'))).toBe(true);
    expect(isOpenAt({ timezone: 'UTC', days: [] }, at('2024-01-15T12:00:00Z'))).toBe(false);
  });

  it('the same instant is open in one zone and closed in another', () => {
    const instant = at('2024-01-15T09:30:00Z'); // Mon 09:30 Lisbon, 04:30 New York, 18:30 Tokyo
    expect(isOpenAt(weekdays('Europe/Lisbon'), instant)).toBe(true);
    expect(isOpenAt(weekdays('America/New_York'), instant)).toBe(false);
    expect(isOpenAt(weekdays('Asia/Tokyo'), instant)).toBe(false);
    expect(isOpenAt(weekdays('Asia/Kolkata'), at('2024-01-15T03:30:00Z'))).toBe(true); // 09:00 IST
  });

  it('ranges are half-open: open at "from", closed at "to"', () => {
    const h = weekdays('UTC');
    expect(isOpenAt(h, at('2024-01-15T08:59:00Z'))).toBe(false);
    expect(isOpenAt(h, at('2024-01-15T09:00:00Z'))).toBe(true);
    expect(isOpenAt(h, at('2024-01-15T16:59:00Z'))).toBe(true);
    expect(isOpenAt(h, at('2024-01-15T17:00:00Z'))).toBe(false);
    // Saturday and Sunday are not listed.
    expect(isOpenAt(h, at('2024-01-13T12:00:00Z'))).toBe(false);
    expect(isOpenAt(h, at('2024-01-14T12:00:00Z'))).toBe(false);
  });

  it('follows daylight saving time of the zone', () => {
    const h = weekdays('America/New_York');
    // 13:30 UTC is 08:30 EST in January but 09:30 EDT in July.
    expect(isOpenAt(h, at('2024-01-15T13:30:00Z'))).toBe(false);
    expect(isOpenAt(h, at('2024-07-15T13:30:00Z'))).toBe(true);
  });

  it('"24:00" keeps the day open up to midnight; a night shift is two entries', () => {
    const h: BusinessHours = {
      timezone: 'Europe/Berlin',
      days: [
        { day: 1, from: '22:00', to: '24:00' },
        { day: 2, from: '00:00', to: '02:00' },
      ],
    };
    // Berlin is UTC+1 in January.
    expect(isOpenAt(h, at('2024-01-15T20:59:00Z'))).toBe(false); // Mon 21:59
    expect(isOpenAt(h, at('2024-01-15T21:00:00Z'))).toBe(true); // Mon 22:00
    expect(isOpenAt(h, at('2024-01-15T22:59:59Z'))).toBe(true); // Mon 23:59:59
    expect(isOpenAt(h, at('2024-01-15T23:00:00Z'))).toBe(true); // Tue 00:00
    expect(isOpenAt(h, at('2024-01-16T00:59:00Z'))).toBe(true); // Tue 01:59
    expect(isOpenAt(h, at('2024-01-16T01:00:00Z'))).toBe(false); // Tue 02:00
    const allDay: BusinessHours = { timezone: 'UTC', days: [{ day: 0, from: '00:00', to: '24:00' }] };
    expect(isOpenAt(allDay, at('2024-01-14T00:00:00Z'))).toBe(true);
    expect(isOpenAt(allDay, at('2024-01-14T23:59:00Z'))).toBe(true);
    expect(isOpenAt(allDay, at('2024-01-15T00:00:00Z'))).toBe(false);
  });
});

describe('validating hours', () => {
  it('refuses unknown zones and ranges whose end is not after their start', () => {
    expect(isValidTimeZone('Europe/Lisbon')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(businessHoursProblem(weekdays('Europe/Lisbon'))).toBeNull();
    expect(businessHoursProblem(weekdays('Nowhere/City'))).toContain('unknown time zone');
    expect(
      businessHoursProblem({ timezone: 'UTC', days: [{ day: 1, from: '22:00', to: '02:00' }] }),
    ).toContain('crosses midnight');
    expect(
      businessHoursProblem({ timezone: 'UTC', days: [{ day: 1, from: '09:00', to: '09:00' }] }),
    ).toContain('before');
  });
});
