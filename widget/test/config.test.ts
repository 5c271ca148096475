import { describe, expect, it } from 'vitest';
import { type ConfigEnv, noteConsent, parseConfig } from '../src/config';

function parse(attrs: Record<string, string>, env: Partial<ConfigEnv> = {}) {
  const warnings: string[] = [];
  const errors: string[] = [];
  const config = parseConfig((name) => attrs[name] ?? null, {
    scriptOrigin: 'https://support.example.com',
    language: 'en-US',
    isColor: (v) => /^#[0-9a-f]{3,8}$/i.test(v) || v === 'rebeccapurple',
    warn: (m) => warnings.push(m),
    error: (m) => errors.push(m),
    ...env,
  });
  return { config, warnings, errors };
}

describe('parseConfig', () => {
  it('refuses to start without data-site, with one clear error', () => {
    const { config, errors, warnings } = parse({});
    expect(config).toBeNull();
    expect(errors).toEqual([
      'Switchboard: data-site is missing: add data-site="your-site" to the script tag',
    ]);
    expect(warnings).toEqual([]);
  });

  it('applies defaults', () => {
    const { config, warnings } = parse({ 'data-site': 'demo' });
    expect(warnings).toEqual([]);
    expect(config).toEqual({
      site: 'demo',
      server: 'https://support.example.com',
      color: undefined,
      title: undefined,
      greeting: undefined,
      position: 'right',
      locale: 'en',
      launcher: true,
      prechat: { name: false, email: false },
      department: undefined,
      user: undefined,
      open: false,
      sound: false,
    });
  });

  it('reads every valid attribute', () => {
    const { config, warnings } = parse({
      'data-site': 'acme',
      'data-server': 'https://chat.acme.test/base/',
      'data-color': 'rebeccapurple',
      'data-position': 'left',
      'data-title': 'Acme help',
      'data-greeting': 'Hello!',
      'data-locale': 'es-MX',
      'data-launcher': 'none',
      'data-prechat': 'name,email',
      'data-department': 'billing',
      'data-user-id': 'u1',
      'data-user-name': 'Ada',
      'data-user-email': 'ada@example.com',
      'data-user-hash': 'abc',
      'data-open': 'true',
    });
    expect(warnings).toEqual([]);
    expect(config).toMatchObject({
      server: 'https://chat.acme.test/base',
      color: 'rebeccapurple',
      position: 'left',
      title: 'Acme help',
      greeting: 'Hello!',
      locale: 'es',
      launcher: false,
      prechat: { name: true, email: true },
      department: 'billing',
      user: { id: 'u1', name: 'Ada', email: 'ada@example.com', hash: 'abc' },
      open: true,
    });
  });

  it('warns once per invalid value, naming attribute, value and accepted values, then defaults', () => {
    const { config, warnings } = parse({
      'data-site': 'demo',
      'data-color': 'not-a-color',
      'data-position': 'middle',
      'data-launcher': 'rocket',
      'data-prechat': 'phone',
      'data-locale': 'pt-BR',
      'data-open': 'yes',
      'data-server': 'ftp://x',
      'data-sound': 'loud',
    });
    expect(warnings).toHaveLength(8);
    const find = (attr: string) => warnings.filter((w) => w.includes(`data-${attr}=`));
    expect(find('color')[0]).toContain('not-a-color');
    expect(find('position')[0]).toMatch(/"middle".*right \| left/);
    expect(find('launcher')[0]).toMatch(/"rocket".*bubble \| none/);
    expect(find('prechat')[0]).toMatch(/"phone".*none \| name \| email \| name,email/);
    expect(find('locale')[0]).toMatch(/"pt-BR".*en \| es \| de \| fr \| hi \| ar/);
    expect(find('open')[0]).toMatch(/"yes".*true \| false/);
    expect(find('server')[0]).toContain('ftp://x');
    expect(find('sound')[0]).toMatch(/"loud".*true \| false/);
    for (const attr of ['color', 'position', 'launcher', 'prechat', 'locale', 'open', 'server', 'sound']) {
      expect(find(attr)).toHaveLength(1);
    }
    expect(config).toMatchObject({
      color: undefined,
      position: 'right',
      launcher: true,
      prechat: { name: false, email: false },
      locale: 'en',
      open: false,
      sound: false,
      server: 'https://support.example.com',
    });
    expect(parse({ 'data-site': 'd', 'data-sound': 'true' }).config?.sound).toBe(true);
  });

  it('falls back from navigator.language silently, and picks Arabic from it', () => {
    expect(parse({ 'data-site': 'd' }, { language: 'ja-JP' }).config?.locale).toBe('en');
    expect(parse({ 'data-site': 'd' }, { language: 'ja-JP' }).warnings).toEqual([]);
    expect(parse({ 'data-site': 'd' }, { language: 'ar-EG' }).config?.locale).toBe('ar');
  });

  it('ignores user fields without a user id and trims values', () => {
    const { config } = parse({ 'data-site': '  demo ', 'data-user-name': 'Ada' });
    expect(config?.site).toBe('demo');
    expect(config?.user).toBeUndefined();
  });
});

describe('data-consent', () => {
  it('is absent unless the tag asks for consent; "required" starts without it', () => {
    expect(parse({ 'data-site': 'demo' }).config?.consent).toBeUndefined();
    const { config, warnings } = parse({ 'data-site': 'demo', 'data-consent': 'required' });
    expect(config?.consent).toBe(false);
    expect(warnings).toEqual([]);
  });

  it('warns about any other value, naming the attribute and the accepted one, then needs no consent', () => {
    const { config, warnings } = parse({ 'data-site': 'demo', 'data-consent': 'yes' });
    expect(config?.consent).toBeUndefined();
    expect(warnings).toEqual([
      'Switchboard: data-consent="yes" is not valid (accepted: required); using the default.',
    ]);
  });

  it('noteConsent records a new answer only when consent is required', () => {
    const required = parse({ 'data-site': 'demo', 'data-consent': 'required' }).config!;
    expect(noteConsent(required, false)).toBe(false); // not given yet: nothing to withdraw
    expect(noteConsent(required, true)).toBe(true);
    expect(required.consent).toBe(true);
    expect(noteConsent(required, true)).toBe(false); // the same answer again
    expect(noteConsent(required, false)).toBe(true);
    expect(required.consent).toBe(false);
    const free = parse({ 'data-site': 'demo' }).config!;
    expect(noteConsent(free, true)).toBe(false);
    expect(noteConsent(free, false)).toBe(false);
    expect(free.consent).toBeUndefined();
  });
});
