/**
 * Script-tag configuration: parsed from `data-*` attributes through a `get(name)`
 * function, so it is testable without a DOM. Each invalid value produces one warning
 * naming the attribute, the bad value and the accepted values, then the default.
 */
import { LOCALE_CODES, supportedLocale } from './locales';

export type Position = 'right' | 'left';

export interface User {
  id: string;
  name?: string;
  email?: string;
  hash?: string;
}

export interface Config {
  site: string;
  /** Gateway origin, e.g. `https://support.example.com`. */
  server: string;
  /** Tag overrides; when absent, the site's settings (then built-in defaults) apply. */
  color?: string;
  title?: string;
  greeting?: string;
  position: Position;
  /** A supported locale code (`en`, `es`, `de`, `fr`, `hi`, `ar`). */
  locale: string;
  launcher: boolean;
  prechat: { name: boolean; email: boolean };
  department?: string;
  user?: User;
  open: boolean;
  /** `data-sound="true"`: a short beep for new replies (off by default). */
  sound: boolean;
  /**
   * `data-consent="required"`: false until the page calls `Switchboard('consent', true)`
   * (nothing stored, nothing requested until then), true once it has; absent when the tag
   * asks for no consent.
   */
  consent?: boolean;
}

export interface ConfigEnv {
  /** Origin of the script's own URL (default gateway). */
  scriptOrigin: string;
  /** `navigator.language`. */
  language: string;
  /** `CSS.supports('color', v)` in the browser. */
  isColor: (value: string) => boolean;
  warn: (message: string) => void;
  error: (message: string) => void;
}

export const DEFAULT_COLOR = '#2563eb';

const PRECHAT = ['none', 'name', 'email', 'name,email'];
const BOOL = ['true', 'false'];

export function parseConfig(get: (name: string) => string | null | undefined, env: ConfigEnv): Config | null {
  const text = (name: string): string | undefined => {
    const v = get(`data-${name}`)?.trim();
    return v ? v : undefined;
  };
  const bad = (name: string, value: string, accepted: string) =>
    env.warn(`Switchboard: data-${name}="${value}" is not valid (accepted: ${accepted}); using the default.`);
  const oneOf = <T extends string>(name: string, accepted: readonly T[], fallback: T): T => {
    const v = text(name);
    if (v === undefined) return fallback;
    if ((accepted as readonly string[]).includes(v)) return v as T;
    bad(name, v, accepted.join(' | '));
    return fallback;
  };

  const site = text('site');
  if (!site) {
    env.error('Switchboard: data-site is missing: add data-site="your-site" to the script tag');
    return null;
  }

  let server = env.scriptOrigin;
  const rawServer = text('server');
  if (rawServer) {
    try {
      const url = new URL(rawServer);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error();
      server = url.origin + url.pathname.replace(/\/+$/, '');
    } catch {
      bad('server', rawServer, 'an http(s) URL');
    }
  }

  let color: string | undefined = text('color');
  if (color && !env.isColor(color)) {
    bad('color', color, 'a CSS color');
    color = undefined;
  }

  let locale = supportedLocale(env.language || '') ?? 'en';
  const rawLocale = text('locale');
  if (rawLocale) {
    const picked = supportedLocale(rawLocale);
    if (picked) locale = picked;
    else bad('locale', rawLocale, LOCALE_CODES.join(' | '));
  }

  const prechat = oneOf('prechat', PRECHAT, 'none');
  const userId = text('user-id');
  const user: User | undefined = userId
    ? { id: userId, name: text('user-name'), email: text('user-email'), hash: text('user-hash') }
    : undefined;

  return {
    site,
    server,
    color,
    title: text('title'),
    greeting: text('greeting'),
    position: oneOf('position', ['right', 'left'], 'right'),
    locale,
    launcher: oneOf('launcher', ['bubble', 'none'], 'bubble') === 'bubble',
    prechat: { name: prechat.includes('name'), email: prechat.includes('email') },
    department: text('department')?.slice(0, 64),
    user,
    open: oneOf('open', BOOL, 'false') === 'true',
    sound: oneOf('sound', BOOL, 'false') === 'true',
    consent: oneOf<string>('consent', ['required'], '') ? false : undefined,
  };
}

/**
 * Records the page's answer in the config, where it outlives a `shutdown`. True when it
 * changes something: the tag asks for consent and the answer is a new one.
 */
export function noteConsent(config: Config, yes: boolean): boolean {
  // Not asked for (undefined) or already so: both differ from the opposite answer.
  if (config.consent !== !yes) return false;
  config.consent = yes;
  return true;
}
