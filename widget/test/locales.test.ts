import { WIDGET_KEYS, WIDGET_TABLES } from '@switchboard/protocol';
import { describe, expect, it } from 'vitest';
import { english, format, LOCALE_CODES, RTL_LOCALES, stringsOf, supportedLocale } from '../src/locales';

const KEY_COUNT = WIDGET_KEYS.split(' ').length;
const strings = (code: string) => stringsOf(WIDGET_TABLES[code] ?? '') ?? english;

describe('locales', () => {
  it('covers en, es, de, fr, hi and ar, each with every string', () => {
    expect(LOCALE_CODES).toEqual(['en', 'es', 'de', 'fr', 'hi', 'ar']);
    expect(Object.keys(WIDGET_TABLES)).toEqual([...LOCALE_CODES]);
    for (const [code, table] of Object.entries(WIDGET_TABLES))
      expect(table.split('|').length, code).toBe(KEY_COUNT);
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

  it('refuses a table that does not fit the keys (a stale or broken copy)', () => {
    expect(stringsOf(WIDGET_TABLES.de ?? '')?.openChat).toBe('Chat öffnen');
    expect(stringsOf('a|b')).toBeUndefined();
    expect(stringsOf(`${WIDGET_TABLES.de}|extra`)).toBeUndefined();
    expect(stringsOf((WIDGET_TABLES.de ?? '').replace('Chat öffnen', ''))).toBeUndefined();
  });

  it('formats placeholders', () => {
    expect(format(strings('en').typing, { name: 'Ana' })).toBe('Ana is typing…');
    expect(format(strings('en').unread, { n: 3 })).toBe('3 unread');
  });
});
