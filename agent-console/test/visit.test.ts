import { describe, expect, it } from 'vitest';
import {
  browserLine,
  describeUserAgent,
  languageLine,
  localTime,
  safeHref,
  shortUrl,
  utcOffset,
} from '../src/lib/visit.js';

describe('context panel wording', () => {
  it.each([
    [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
      'Chrome 131 on Windows',
    ],
    [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86',
      'Edge 131 on Windows',
    ],
    [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
      'Safari 17 on iOS 17',
    ],
    [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1',
      'Chrome 131 on iOS 17',
    ],
    [
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
      'Safari 18 on macOS',
    ],
    [
      'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
      'Firefox 133 on Linux',
    ],
    [
      'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36',
      'Samsung Internet 26 on Android 14',
    ],
    [
      'Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 OPR/115.0.0.0',
      'Opera 115 on ChromeOS',
    ],
    ['curl/8.5.0', null],
  ])('%s → %s', (ua, line) => {
    expect(browserLine(ua)).toBe(line);
  });

  it('says what is known of an unusual User-Agent', () => {
    expect(describeUserAgent('Mozilla/5.0 (Windows NT 10.0) SomeBot/1.0')).toEqual({
      browser: null,
      os: 'Windows',
    });
    expect(browserLine(null)).toBeNull();
  });

  it('names languages and keeps the tag', () => {
    expect(languageLine('pt-BR')).toBe('Brazilian Portuguese · pt-BR');
    expect(languageLine('de')).toBe('German · de');
    expect(languageLine('not a tag!')).toBe('not a tag!');
    expect(languageLine(null)).toBeNull();
  });

  it('gives the visitor\u2019s clock and offset', () => {
    const noonUtc = Date.UTC(2026, 11, 5, 12, 0);
    expect(localTime(-300, noonUtc)).toBe('07:00 (UTC−5)');
    expect(localTime(330, noonUtc)).toBe('17:30 (UTC+5:30)');
    expect(localTime(0, noonUtc)).toBe('12:00 (UTC)');
    expect(utcOffset(-570)).toBe('UTC−9:30');
  });

  it('shortens URLs for the column and links only http(s)', () => {
    expect(shortUrl('https://shop.example/')).toBe('shop.example');
    expect(shortUrl('https://shop.example/p/caf%C3%A9?size=2')).toBe('shop.example/p/café?size=2');
    expect(shortUrl('not a url')).toBe('not a url');
    expect(shortUrl('https://shop.example/%E0%A4%A')).toBe('shop.example/%E0%A4%A');
    expect(safeHref('javascript:alert(1)')).toBeUndefined();
    expect(safeHref('https://shop.example/')).toBe('https://shop.example/');
  });
});
