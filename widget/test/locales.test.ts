import { describe, expect, it } from 'vitest';
import {
  format,
  KEY_COUNT,
  LOCALE_CODES,
  RTL_LOCALES,
  strings,
  supportedLocale,
  tableSizes,
} from '../src/locales';

describe('locales', () => {
  it('covers en, es, de, fr, hi and ar, each with every string', () => {
    expect(LOCALE_CODES).toEqual(['en', 'es', 'de', 'fr', 'hi', 'ar']);
    for (const [code, size] of Object.entries(tableSizes())) expect(size, code).toBe(KEY_COUNT);
    for (const code of LOCALE_CODES) {
      for (const [key, value] of Object.entries(strings(code))) expect(value, `${code}.${key}`).not.toBe('');
    }
  });

  it('keeps "chat" in the launcher name in every locale (e2e contract)', () => {
    for (const code of LOCALE_CODES) expect(strings(code).openChat).toMatch(/chat/i);
  });

  it('keeps the English contract strings', () => {
    const t = strings('en');
    expect(t.message).toBe('Message');
    expect(t.send).toBe('Send');
    expect(t.sending).toBe('Sending…');
    expect(t.notSent).toBe('Not sent');
    expect(t.retry).toBe('Retry');
    expect(t.seen).toBe('Seen');
    expect(t.name).toBe('Name');
    expect(t.email).toBe('Email');
    expect(t.startChat).toBe('Start chat');
    expect(t.connecting).toContain('Connecting');
    expect(t.offline).toContain('Offline');
    expect(t.closed).toContain('closed');
    expect(t.typing).toContain('typing');
  });

  it('resolves language tags and marks Arabic as right-to-left', () => {
    expect(supportedLocale('de-AT')).toBe('de');
    expect(supportedLocale('FR')).toBe('fr');
    expect(supportedLocale('pt')).toBeUndefined();
    expect(strings('xx')).toEqual(strings('en'));
    expect(RTL_LOCALES).toEqual(['ar']);
  });

  it('formats placeholders', () => {
    expect(format(strings('en').typing, { name: 'Ana' })).toBe('Ana is typing…');
    expect(format(strings('en').unread, { n: 3 })).toBe('3 unread');
  });
});
