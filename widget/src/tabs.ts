/**
 * Tabs of one visitor act as one. The tab holding the Web Lock `sb:<site>:leader` is the
 * leader: it alone holds the WebSocket and relays every server frame to the other tabs
 * over the BroadcastChannel `sb:<site>`; the followers hand their outbound frames to it.
 * The lock is released when the leader's tab closes, and the next waiting tab takes over
 * (it connects and resumes; the outbox is in localStorage). Without Web Locks or
 * BroadcastChannel every tab is its own leader (one socket per tab, as before).
 * Transport only: what the messages mean is decided by the client and the widget.
 */
import type { Message, ServerFrame, SiteConfig, VisitorClientFrame } from '@switchboard/protocol';
import type { User } from './config';
import type { ConnectionState } from './stores/connection';
import type { Current } from './stores/conversation';

/** What the visible state of a leader looks like to a tab that just joined. */
export interface Snapshot {
  site: SiteConfig | null;
  on: boolean;
  conv: Current | null;
  msgs: readonly Message[];
  n: ConnectionState;
}

/** One channel message; exactly one field is set. */
export interface TabMessage {
  /** leader → all: a frame from the server */
  s?: ServerFrame;
  /** follower → leader: send this frame */
  c?: VisitorClientFrame;
  /** follower → leader: the socket is wanted (panel opened, something to send) */
  w?: 1;
  /** follower → leader: a new identity (`identify`) */
  u?: User;
  /** new tab → leader: tell me the current state */
  j?: 1;
  /** leader → all: the state (answer to `j`) */
  p?: Snapshot;
  /** leader → all: the connection state */
  n?: ConnectionState;
  /** any → all: the panel was opened / closed */
  o?: boolean;
  /** any → all: the visitor has read up to this seq */
  r?: number;
}

export interface TabsDeps {
  /** `sb:<site>` */
  name: string;
  locks?: Pick<LockManager, 'request'> | undefined;
  Channel?: (new (name: string) => Pick<BroadcastChannel, 'postMessage' | 'close' | 'onmessage'>) | undefined;
  /** This tab was granted the lock. (Without coordination the tab leads from the start.) */
  lead(): void;
  receive(message: TabMessage): void;
}

export interface Tabs {
  leader(): boolean;
  post(message: TabMessage): void;
  close(): void;
}

export function createTabs(d: TabsDeps): Tabs {
  let leader = false;
  let release = () => {};
  const abort = new AbortController();
  let ch = d.locks && d.Channel ? new d.Channel(d.name) : null;
  const tabs: Tabs = {
    leader: () => leader,
    post: (m) => ch?.postMessage(m),
    close() {
      abort.abort();
      release();
      leader = false;
      ch?.close();
      ch = null;
    },
  };
  if (!ch) {
    leader = true;
    return tabs;
  }
  ch.onmessage = (e: MessageEvent<TabMessage>) => d.receive(e.data);
  d.locks!.request(
    `${d.name}:leader`,
    { signal: abort.signal },
    () =>
      new Promise<void>((resolve) => {
        release = resolve;
        leader = true;
        d.lead();
      }),
  ).catch(() => {}); // aborted by close()
  tabs.post({ j: 1 });
  return tabs;
}
