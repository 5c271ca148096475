/**
 * One running widget: storage, socket client, DOM mount and the browser listeners.
 * `shutdown()` undoes every one of them; `boot()` can run again afterwards.
 */
import { askToNotify, beep, closeAudio, createTitleFlash, notify } from './alerts';
import { createClient } from './client';
import { type Config, noteConsent, type User } from './config';
import type { Emitter } from './events';
import { $strings, type Strings } from './locales';
import { watchProactive } from './proactive';
import { type KV, memoryStorage, siteStorage } from './storage';
import { $connection } from './stores/connection';
import { $conversation, markRead as moveRead } from './stores/conversation';
import { $messages } from './stores/messages';
import { $open } from './stores/open';
import { $outbox, bindOutbox } from './stores/outbox';
import { resetStores } from './stores/reset';
import { $site } from './stores/site';
import { setTyping } from './stores/typing';
import { $unread, countsAsUnread } from './stores/unread';
import { loadStrings } from './strings-loader';
import { mount } from './ui/mount';
import { pageOf, visitContext } from './visit';

export interface Widget {
  open(): void;
  close(): void;
  toggle(): void;
  identify(user: User): void;
  setAttributes(attributes: Record<string, string>): void;
  /** `Switchboard('consent', yes)` (only with `data-consent="required"`). */
  consent(yes: boolean): void;
  shutdown(): void;
}

/** What the launcher and the panel get; the panel adds the strings shown now (`t`). */
export type CoreUi = ReturnType<typeof uiContext>;
export type UiContext = CoreUi & { t: Strings };

function uiContext(config: Config, kv: KV, client: ReturnType<typeof createClient>) {
  return {
    config,
    kv,
    client,
    /** The visitor sent a message: now (a user gesture) is the time to ask for notifications. */
    sent: askToNotify,
  };
}

export function boot(config: Config, emitter: Emitter): Widget {
  resetStores();
  // `data-consent="required"`: nothing stored (memory only) and nothing requested until the page says so.
  const held = config.consent === false;
  const kv = siteStorage(config.site, held ? memoryStorage() : undefined);
  let unbindOutbox = bindOutbox(kv);
  const rebind = () => {
    unbindOutbox();
    unbindOutbox = bindOutbox(kv);
  };
  // Every listener of ours goes with one abort (an AbortController is the options' `signal`).
  const off = new AbortController();
  const cleanups: Array<() => void> = [() => unbindOutbox(), () => off.abort()];
  const listen = (target: EventTarget, type: string, fn: (e: Event) => void) =>
    target.addEventListener(type, fn, off);

  const client = createClient({
    // server, site, department and user (the rest of the config is not the client's).
    ...config,
    kv,
    emit: emitter.emit,
    warn: (m) => console.warn(m),
    fetch: (...args) => fetch(...args),
    WebSocket,
    isOnline: () => navigator.onLine !== false,
    uuid: () => crypto.randomUUID(),
    held,
    ctx: visitContext,
    locks: navigator.locks,
    Channel: window.BroadcastChannel,
    // Another tab opened/closed the panel or read the messages: the same here.
    tab(m) {
      if (m.o !== undefined) $open.set(m.o);
      if (m.r) moveRead('visitorReadSeq', m.r);
    },
  });

  /** Marks everything shown as read while the panel is open and the tab visible. */
  let sentRead = { id: '', seq: 0 };
  const markRead = () => {
    const cur = $conversation.get();
    const last = $messages.get().at(-1)?.seq ?? 0;
    if (!cur || !$open.get() || document.hidden || !last) return;
    moveRead('visitorReadSeq', last);
    if (
      (sentRead.id !== cur.id || sentRead.seq < last) &&
      client.send({ type: 'read', conversationId: cur.id, seq: last })
    ) {
      sentRead = { id: cur.id, seq: last };
    }
  };

  const flash = createTitleFlash(document, () => $strings.get().newMessages);
  let unread = $unread.get();
  cleanups.push(
    flash.stop,
    closeAudio,
    $conversation.listen((c) => c && client.post({ r: c.visitorReadSeq })),
    $unread.listen(() => {
      markRead();
      const count = $unread.get();
      if (count === unread) return;
      if (count > unread) {
        // A reply the visitor has not seen: flash the title of a hidden tab; one tab
        // (the leader) notifies and beeps.
        const m = $messages.get().filter(countsAsUnread).at(-1);
        if (document.hidden) flash.start(count);
        if (client.leader() && m) {
          if (config.sound) beep();
          if (document.hidden)
            notify(config.title ?? $site.get()?.title ?? $strings.get().title, m.text, () => $open.set(true));
        }
      } else if (!count) flash.stop();
      unread = count;
      emitter.emit('unread', { count });
    }),
    $messages.listen(markRead),
    $connection.listen((s) => s === 'online' && markRead()),
    $open.listen((open) => {
      if (open) {
        client.start();
        markRead();
      }
      client.post({ o: open });
      emitter.emit(open ? 'open' : 'close');
    }),
  );

  // A new page (or a single-page app's navigation) goes to the agents on the open socket.
  let seen = '';
  const pages = setInterval(() => {
    const p = pageOf();
    const key = p.url + p.title;
    if (key !== seen && client.send({ type: 'page', ...p })) seen = key;
  }, 1000);
  cleanups.push(() => clearInterval(pages));

  const nudge = () => client.nudge();
  listen(window, 'online', nudge);
  listen(window, 'offline', nudge);
  listen(document, 'visibilitychange', () => {
    if (document.hidden) return;
    flash.stop();
    nudge();
    markRead();
  });
  // Another tab changed the outbox (it sent or acked something): adopt its view.
  listen(window, 'storage', (e) => {
    if ((e as StorageEvent).key === `sb:${config.site}:outbox`) rebind();
  });

  const unmount = mount(uiContext(config, kv, client));
  /** What `setAttributes` said on this page (a proactive rule may ask for one). */
  let attrs: Record<string, string> = {};
  /** Stops watching for proactive messages (a withdrawal of consent, the shutdown). */
  let unwatch = () => {};
  const later = () => {
    void loadStrings(config.locale, kv, config.server, (...args) => fetch(...args));
    unwatch();
    unwatch = watchProactive(config, kv, (name) => config.user && attrs[name]);
  };
  if (!held) later();
  cleanups.push(
    () => unwatch(),
    unmount,
    () => client.shutdown(),
    () => setTyping(null),
  );

  // A visitor with a conversation (unread to restore), unsent messages or an identity (a
  // notice may be pushed to them) connects at once; everyone else only when the panel opens.
  const wake = () => (kv.get('conv') || $outbox.get().length || config.user) && client.start();
  wake();

  /** The identity's name and email go to the agents as the visitor's profile. */
  const profileOf = (u?: User) => (u?.name || u?.email) && client.profile({ name: u.name, email: u.email });
  profileOf(config.user);

  return {
    open: () => $open.set(true),
    close: () => $open.set(false),
    toggle: () => $open.set(!$open.get()),
    identify(user) {
      config.user = user;
      client.identify(user);
      client.start();
      profileOf(user);
    },
    setAttributes(attributes) {
      attrs = { ...attrs, ...attributes };
      client.profile({ attributes });
      client.start();
    },
    consent(yes) {
      if (!noteConsent(config, yes)) return;
      const queued = $outbox.get();
      kv.del('outbox');
      kv.move(yes);
      client.hold(!yes);
      // Withdrawn: the keys are gone (and the socket); this page forgets the conversation too.
      if (!yes) {
        unwatch();
        return resetStores();
      }
      // Given: what the shopper wrote meanwhile joins what an earlier page left unsent.
      rebind();
      $outbox.set([...$outbox.get(), ...queued]);
      later();
      wake();
    },
    shutdown() {
      client.shutdown(); // first: closing this tab's panel must not close the others
      $open.set(false);
      for (const fn of cleanups.splice(0).reverse()) {
        try {
          fn();
        } catch {}
      }
      resetStores();
    },
  };
}
