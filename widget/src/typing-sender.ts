/**
 * Throttles the visitor's own typing indicator: at most one `on` every 2 s while
 * typing, `off` after 4 s without input, when the message is sent or when the panel closes.
 */
export const TYPING_ON_EVERY_MS = 2000;
export const TYPING_IDLE_MS = 4000;

export function createTypingSender(send: (on: boolean) => void, now: () => number = Date.now) {
  let lastOn = 0;
  let typing = false;
  let idle: ReturnType<typeof setTimeout> | undefined;
  const stop = () => {
    clearTimeout(idle);
    if (typing) send(false);
    typing = false;
    lastOn = 0;
  };
  return {
    input() {
      const t = now();
      if (!typing || t - lastOn >= TYPING_ON_EVERY_MS) {
        lastOn = t;
        typing = true;
        send(true);
      }
      clearTimeout(idle);
      idle = setTimeout(stop, TYPING_IDLE_MS);
    },
    /** Sent, or the composer went away (panel closed): "off" now if "on" was said, no timer left. */
    stop,
  };
}
