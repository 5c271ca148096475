/**
 * Business hours for the widget's "we're away" panel, formatted here with Intl in each of the
 * widget's locales (`SiteConfig.hoursText`), so widget.js carries no formatting code of its own.
 * Hours are shown in the site's own time zone; when that differs from the visitor's,
 * the zone follows ("America/New_York"). Converting weekly ranges across zones would be
 * wrong around DST changes and midnight; a localised zone name cost 0.1 KB. Pure:
 * unit-tested (`server/test/hours-text.test.ts`).
 */
import type { BusinessHours } from '@switchboard/protocol';

/** 2023-01-01 was a Sunday: day `d` (0 = Sunday) at `hh:mm`, as a UTC instant. */
const at = (d: number, hm = '0:0'): number => {
  const [h, m] = hm.split(':');
  return Date.UTC(2023, 0, 1 + d, Number(h), Number(m));
};

/**
 * Lines like "Mon – Fri 9:00 AM – 5:00 PM", Monday first, consecutive days with the same
 * hours merged, then the time zone if it is not the visitor's.
 */
export function formatHours(bh: BusinessHours, locale: string, visitorZone?: string): string[] {
  const f = (o: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat(locale, { timeZone: 'UTC', ...o });
  const day = f({ weekday: 'short' });
  const time = f({ hour: 'numeric', minute: '2-digit' });
  // Monday … Sunday: that day's slots as one string ('' = closed).
  const week = [1, 2, 3, 4, 5, 6, 0].map((d) =>
    bh.days
      .filter((s) => s.day === d)
      .sort((a, b) => (a.from < b.from ? -1 : 1))
      .map((s) => `${time.format(at(0, s.from))} – ${time.format(at(0, s.to))}`)
      .join(', '),
  );
  const lines: string[] = [];
  for (let i = 0, j = 0; i < 7; i = ++j) {
    while (j < 6 && week[j + 1] === week[i]) j++;
    if (week[i]) lines.push(`${day.formatRange(at(i + 1), at(j + 1))} ${week[i]}`);
  }
  if (lines.length && bh.timezone !== visitorZone) lines.push(bh.timezone);
  return lines;
}
