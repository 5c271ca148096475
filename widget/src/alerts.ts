/**
 * Getting the visitor's attention for a reply: document-title flash (every tab that is
 * hidden), and — in the leader tab only, so there is one of each — a system notification
 * when the tab is hidden and an optional short beep (WebAudio, no audio file).
 */

/**
 * Puts "(n) New message — <title>" in front of the page's title until `stop` (tab
 * visible again, or everything read) puts the page's own title back.
 */
export function createTitleFlash(doc: { title: string }, label: () => string) {
  let original: string | null = null;
  const stop = () => {
    if (original !== null) doc.title = original;
    original = null;
  };
  return {
    start(count: number) {
      stop();
      original = doc.title;
      doc.title = `(${count}) ${label()} — ${original}`;
    },
    stop,
  };
}

/** Asks for notification permission once the visitor has sent a message (a user gesture). */
export function askToNotify(): void {
  try {
    if (Notification.permission === 'default') void Notification.requestPermission();
  } catch {} // no Notification API (iOS Safari outside a web app)
}

/** A system notification, if allowed; clicking it brings the chat back. */
export function notify(title: string, body: string, onClick: () => void): void {
  try {
    if (Notification.permission !== 'granted') return;
    const n = new Notification(title, { body, tag: 'switchboard' });
    n.onclick = () => {
      focus();
      onClick();
      n.close();
    };
  } catch {}
}

let audio: AudioContext | undefined;

/** A quiet 0.15 s 880 Hz beep. Only after the page had a user gesture (else browsers refuse and warn). */
export function beep(): void {
  try {
    if (!navigator.userActivation?.hasBeenActive) return;
    audio ??= new AudioContext();
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = 880;
    gain.gain.value = 0.06;
    osc.connect(gain).connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + 0.15);
  } catch {}
}

/** Frees the audio context (shutdown). */
export function closeAudio(): void {
  void audio?.close().catch(() => {});
  audio = undefined;
}
