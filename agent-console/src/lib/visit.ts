/**
 * The context panel's words for what a visitor's browser said: "Chrome 131 on Windows",
 * "Portuguese (Brazil)", "14:05 (UTC−5)". Pure, table-tested.
 */

/** Browser and OS from a User-Agent header; null parts when it does not say. */
export function describeUserAgent(ua: string): { browser: string | null; os: string | null } {
  const version = (re: RegExp) => re.exec(ua)?.[1]?.split('.')[0];
  // Order matters: Edge and Opera say "Chrome" too, Chrome says "Safari", iOS browsers say "Safari".
  const browsers: Array<[string, RegExp]> = [
    ['Edge', /Edg(?:e|A|iOS)?\/([\d.]+)/],
    ['Opera', /(?:OPR|Opera)\/([\d.]+)/],
    ['Samsung Internet', /SamsungBrowser\/([\d.]+)/],
    ['Firefox', /(?:Firefox|FxiOS)\/([\d.]+)/],
    ['Chrome', /(?:Chrome|CriOS)\/([\d.]+)/],
    ['Safari', /Version\/([\d.]+).*Safari\//],
  ];
  let browser: string | null = null;
  for (const [name, re] of browsers) {
    const v = version(re);
    if (v) {
      browser = `${name} ${v}`;
      break;
    }
  }
  const ios = /\b(?:iPhone|iPad|iPod)\b.*? OS (\d+)/.exec(ua);
  const android = /Android (\d+(?:\.\d+)?)/.exec(ua);
  const os = ios
    ? `iOS ${ios[1]}`
    : android
      ? `Android ${android[1]}`
      : /Windows NT/.test(ua)
        ? 'Windows'
        : /Mac OS X|Macintosh/.test(ua)
          ? 'macOS'
          : /CrOS/.test(ua)
            ? 'ChromeOS'
            : /Linux/.test(ua)
              ? 'Linux'
              : null;
  return { browser, os };
}

/** "Chrome 131 on Windows", "Safari 17 on iOS 17", or what is known. */
export function browserLine(ua: string | null): string | null {
  if (!ua) return null;
  const { browser, os } = describeUserAgent(ua);
  if (browser && os) return `${browser} on ${os}`;
  return browser ?? os;
}

/** "Portuguese (Brazil) · pt-BR"; the tag alone when the browser cannot name it. */
export function languageLine(tag: string | null, displayIn = 'en'): string | null {
  if (!tag) return null;
  try {
    const name = new Intl.DisplayNames([displayIn], { type: 'language' }).of(tag);
    return name && name !== tag ? `${name} · ${tag}` : tag;
  } catch {
    return tag;
  }
}

/** "UTC+5:30", "UTC−5", "UTC" for an offset in minutes (local − UTC). */
export function utcOffset(minutes: number): string {
  if (minutes === 0) return 'UTC';
  const sign = minutes > 0 ? '+' : '−';
  const abs = Math.abs(minutes);
  const m = abs % 60;
  return `UTC${sign}${Math.floor(abs / 60)}${m ? `:${String(m).padStart(2, '0')}` : ''}`;
}

/** The visitor's wall-clock time now, "14:05 (UTC−5)". */
export function localTime(tzOffset: number, now: number = Date.now()): string {
  const clock = new Intl.DateTimeFormat('en-GB', {
    hour: '2-digit',
    minute: '2-digit',
    timeZone: 'UTC',
  }).format(now + tzOffset * 60_000);
  return `${clock} (${utcOffset(tzOffset)})`;
}

/** "shop.example/p/cafe" for showing a URL in a narrow column (the link keeps the whole URL). */
export function shortUrl(url: string): string {
  try {
    const u = new URL(url);
    const path = u.pathname === '/' ? '' : u.pathname;
    const short = `${u.host}${path}${u.search}`;
    try {
      return decodeURI(short);
    } catch {
      return short;
    }
  } catch {
    return url;
  }
}

/** Only http(s) URLs become links (a page could report `javascript:`). */
export function safeHref(url: string): string | undefined {
  return /^https?:\/\//i.test(url) ? url : undefined;
}
