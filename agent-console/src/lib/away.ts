/**
 * Automatic away: an online agent who has not touched the console for a while shows as away
 * (so auto-assignment and transfers skip them), and is online again on their next key or
 * click — but only when it was this that set them away, never over a status they chose.
 */
import type { AgentStatus } from '@switchboard/protocol';
import { setStatus } from '../client/client.js';
import { $me } from '../stores/agents.js';
import { $alerts } from '../stores/alerts.js';

export type AwayStep = 'away' | 'online' | null;

/** What to do now, given the status, the idle time, the setting and who set the current status. */
export function awayStep(s: {
  status: AgentStatus;
  idleMs: number;
  limitMin: number;
  autoAway: boolean;
  active: boolean;
}): AwayStep {
  if (s.active) return s.autoAway && s.status === 'away' ? 'online' : null;
  if (s.limitMin <= 0 || s.status !== 'online') return null;
  return s.idleMs >= s.limitMin * 60_000 ? 'away' : null;
}

const CHECK_MS = 15_000;
const ACTIVITY = ['pointerdown', 'keydown', 'wheel', 'touchstart'] as const;

export function bindAutoAway(now: () => number = Date.now): () => void {
  let last = now();
  let autoAway = false;
  const apply = (step: AwayStep) => {
    if (step === 'away') {
      autoAway = true;
      setStatus('away');
    } else if (step === 'online') {
      autoAway = false;
      setStatus('online');
    }
  };
  const check = (active: boolean) => {
    const me = $me.get();
    if (!me) return;
    apply(
      awayStep({
        status: me.status,
        idleMs: now() - last,
        limitMin: $alerts.get().awayAfterMin,
        autoAway,
        active,
      }),
    );
  };
  const onActivity = () => {
    last = now();
    check(true);
  };
  for (const type of ACTIVITY) window.addEventListener(type, onActivity, { passive: true, capture: true });
  // The agent chose a status themselves: this no longer owns it.
  let seen = $me.get()?.status;
  const unlisten = $me.listen((me) => {
    if (me && me.status !== seen && !(autoAway && me.status === 'away')) autoAway = false;
    seen = me?.status;
  });
  const timer = setInterval(() => check(false), CHECK_MS);
  return () => {
    clearInterval(timer);
    unlisten();
    for (const type of ACTIVITY) window.removeEventListener(type, onActivity, { capture: true });
  };
}
