import { initials } from '../lib/format.js';

// Each at least 4.5:1 against the white initials (WCAG AA for small text).
const PALETTE = ['#2563eb', '#7c3aed', '#be185d', '#c2410c', '#15803d', '#0e7490', '#4f46e5', '#b45309'];

function colorFor(seed: string): string {
  let h = 0;
  for (let i = 0; i < seed.length; i++) h = (h * 31 + seed.charCodeAt(i)) >>> 0;
  return PALETTE[h % PALETTE.length] ?? '#2563eb';
}

/** Initials on a colour derived from a stable id; optional presence dot. */
export function Avatar({
  name,
  seed,
  size = 32,
  presence,
  anonymous = false,
}: {
  name: string;
  /** A visitor without a name: a neutral silhouette instead of initials of "Visitor 4b7e02". */
  anonymous?: boolean;
  seed: string;
  size?: number;
  presence?: 'online' | 'away' | 'offline' | undefined;
}) {
  return (
    <span
      class="avatar"
      aria-hidden="true"
      style={{
        width: `${size}px`,
        height: `${size}px`,
        background: anonymous ? '#94a3b8' : colorFor(seed),
        fontSize: `${Math.round(size * 0.38)}px`,
      }}
    >
      {anonymous ? (
        <svg width="55%" height="55%" viewBox="0 0 24 24" fill="currentColor" aria-hidden="true">
          <circle cx="12" cy="8" r="4.2" />
          <path d="M3.5 21a8.5 8.5 0 0 1 17 0z" />
        </svg>
      ) : (
        initials(name)
      )}
      {presence && <span class={`avatar-presence presence-${presence}`} />}
    </span>
  );
}
