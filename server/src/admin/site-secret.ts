/** A site's secrets that verify right now: the current one, and the previous one during its grace period. */
import type { SiteRecord } from '../storage/types.js';

/** How long the previous secret keeps working after a rotation (a shop rolls it without downtime). */
export const SECRET_GRACE_MS = 24 * 60 * 60 * 1000;

export function activeSecrets(site: SiteRecord, now = Date.now()): string[] {
  const prev = site.previousSecret;
  return prev && (site.previousSecretUntil ?? 0) > now ? [site.secret, prev] : [site.secret];
}
