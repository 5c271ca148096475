import { atom } from 'nanostores';

export type ToastTone = 'info' | 'success' | 'error';

export interface Toast {
  id: number;
  tone: ToastTone;
  text: string;
}

/** Short-lived notices ("Another agent claimed this conversation first"). */
export const $toasts = atom<readonly Toast[]>([]);

let nextId = 1;

export function showToast(text: string, tone: ToastTone = 'info', ttlMs = 5_000): number {
  const id = nextId++;
  $toasts.set([...$toasts.get(), { id, tone, text }].slice(-4));
  if (ttlMs > 0) setTimeout(() => dismissToast(id), ttlMs);
  return id;
}

export function dismissToast(id: number): void {
  $toasts.set($toasts.get().filter((t) => t.id !== id));
}
