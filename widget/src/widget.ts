/**
 * One running widget: storage, socket client, DOM mount and the browser listeners.
 * `shutdown()` undoes every one of them; `boot()` can run again afterwards.
 */
import { h, render } from 'preact';
import { createClient } from './client';
import type { Config, User } from './config';
import type { Emitter } from './events';
import { strings } from './locales';
import { type KV, siteStorage } from './storage';
import { $connection } from './stores/connection';
import { $conversation, markVisitorRead } from './stores/conversation';
import { $messages } from './stores/messages';
import { $open } from './stores/open';
import { $outbox, bindOutbox } from './stores/outbox';
import { resetStores } from './stores/reset';
import { setTyping } from './stores/typing';
import { $unread } from './stores/unread';
import { App } from './ui/App';
import { mount } from './ui/mount';

export interface Widget {
  open(): void;
  close(): void;
  toggle(): void;
  identify(user: User): void;
  setAttributes(attributes: Record<string, string>): void;
  shutdown(): void;
}

export type UiContext = ReturnType<typeof uiContext>;

function uiContext(config: Config, kv: KV, client: ReturnType<typeof createClient>) {
  return { config, t: strings(config.locale), kv, client };
}

export function boot(config: Config, emitter: Emitter): Widget {
  resetStores();
  const kv = siteStorage(config.site);
  let unbindOutbox = bindOutbox(kv);
  const cleanups: Array<() => void> = [() => unbindOutbox()];
  const listen = (target: EventTarget, type: string, fn: (e: Event) => void) => {
    target.addEventListener(type, fn);
    cleanups.push(() => target.removeEventListener(type, fn));
  };

  const client = createClient({
    server: config.server,
    site: config.site,
    department: config.department,
    user: config.user,
    kv,
    emit: emitter.emit,
    warn: (m) => console.warn(m),
    fetch: (...args) => fetch(...args),
    WebSocket,
    isOnline: () => navigator.onLine !== false,
    uuid: () => crypto.randomUUID(),
  });

  /** Marks everything shown as read while the panel is open and the tab visible. */
  let sentRead = { id: '', seq: 0 };
  const markRead = () => {
    const cur = $conversation.get();
    const last = $messages.get().at(-1)?.seq ?? 0;
    if (!cur || !$open.get() || document.hidden || !last) return;
    markVisitorRead(last);
    if (
      (sentRead.id !== cur.id || sentRead.seq < last) &&
      client.send({ type: 'read', conversationId: cur.id, seq: last })
    ) {
      sentRead = { id: cur.id, seq: last };
    }
  };

  let unread = $unread.get();
  cleanups.push(
    $unread.listen(() => {
      markRead();
      const count = $unread.get();
      if (count === unread) return;
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
      emitter.emit(open ? 'open' : 'close');
    }),
  );

  const nudge = () => client.nudge();
  listen(window, 'online', nudge);
  listen(window, 'offline', nudge);
  listen(document, 'visibilitychange', () => {
    if (document.hidden) return;
    nudge();
    markRead();
  });
  // Another tab changed the outbox (it sent or acked something): adopt its view.
  listen(window, 'storage', (e) => {
    if ((e as StorageEvent).key === `sb:${config.site}:outbox`) {
      unbindOutbox();
      unbindOutbox = bindOutbox(kv);
    }
  });

  const ui = uiContext(config, kv, client);
  const unmount = mount(
    (root) => render(h(App, { ui }), root),
    (root) => render(null, root),
  );
  cleanups.push(
    unmount,
    () => client.shutdown(),
    () => setTyping(null),
  );

  // A visitor with a conversation (unread to restore) or unsent messages connects at once;
  // everyone else only when the panel opens.
  if (kv.get('conv') || $outbox.get().length) client.start();

  if (config.user?.name || config.user?.email) {
    client.profile({ name: config.user.name, email: config.user.email });
  }

  return {
    open: () => $open.set(true),
    close: () => $open.set(false),
    toggle: () => $open.set(!$open.get()),
    identify(user) {
      config.user = user;
      client.identify(user);
      const profile = { name: user.name, email: user.email };
      if (profile.name || profile.email) client.profile(profile);
    },
    setAttributes(attributes) {
      client.profile({ attributes });
      client.start();
    },
    shutdown() {
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
