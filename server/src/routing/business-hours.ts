/**
 * Business hours: is a site open at a given instant, in the site's own IANA time zone?
 * Pure (the instant is passed in); the wall-clock day and time come from
 * `Intl.DateTimeFormat#formatToParts`, so daylight-saving changes are the zone database's
 * business, not ours.
 */
import type { BusinessHours } from '@switchboard/protocol';

const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** One formatter per zone: building them is the expensive part. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    if (formatters.size > 500) formatters.clear();
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when `timeZone` is an IANA zone this runtime knows ("Europe/Lisbon", "UTC"). */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** "09:30" → 570; "24:00" → 1440. */
export function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':');
  return Number(h) * 60 + Number(m);
}

/** Day of the week (0 = Sunday) and minutes since midnight at `at`, on the wall clock of `timeZone`. */
export function wallClock(at: Date, timeZone: string): { day: number; minutes: number } {
  let day = -1;
  let hour = 0;
  let minute = 0;
  for (const p of formatter(timeZone).formatToParts(at)) {
    if (p.type === 'weekday') day = WEEKDAYS[p.value] ?? -1;
    else if (p.type === 'hour')
      hour = Number(p.value) % 24; // some ICU versions print midnight as 24
    else if (p.type === 'minute') minute = Number(p.value);
  }
  if (day < 0) throw new RangeError(`Could not read the weekday in ${timeZone}`);
  return { day, minutes: hour * 60 + minute };
}

/**
 * Open at `at`? No hours (null/undefined) means always open. Each entry is a half-open
 * range [from, to) on its own day; "24:00" closes at midnight. A range that crosses
 * midnight is written as two entries (`to` ≤ `from` never matches; the settings
 * endpoint refuses it).
 */
export function isOpenAt(hours: BusinessHours | null | undefined, at: Date): boolean {
  if (!hours) return true;
  const now = wallClock(at, hours.timezone);
  return hours.days.some(
    (d) => d.day === now.day && minutesOf(d.from) <= now.minutes && now.minutes < minutesOf(d.to),
  );
}

/** Why a set of hours cannot be stored, or null when it can. */
export function businessHoursProblem(hours: BusinessHours): string | null {
  if (!isValidTimeZone(hours.timezone))
    return `businessHours.timezone: unknown time zone "${hours.timezone}"`;
  for (const [i, d] of hours.days.entries()) {
    if (minutesOf(d.from) >= minutesOf(d.to)) {
      return `businessHours.days.${i}: "from" (${d.from}) must be before "to" (${d.to}); split a range that crosses midnight into two days`;
    }
  }
  return null;
}
