/** Inline SVG icons (no network requests). Decorative: the buttons carry the names. */
const icon = (d: string, size: number, stroke?: boolean) => (
  <svg width={size} height={size} viewBox="0 0 24 24" aria-hidden="true" focusable="false">
    <path
      d={d}
      fill={stroke ? 'none' : 'currentColor'}
      stroke={stroke ? 'currentColor' : undefined}
      stroke-width="2.2"
      stroke-linecap="round"
      stroke-linejoin="round"
    />
  </svg>
);

export const closeIcon = () => icon('M6 6l12 12M18 6 6 18', 22, true);
export const clipIcon = () => icon('M12 5v14M5 12h14', 22, true);
export const sendIcon = () => icon('M3.4 20.4 21 12 3.4 3.6v6.4l12.6 2-12.6 2z', 20);
export const chatIcon = () =>
  icon(
    'M12 3c5.5 0 10 3.6 10 8s-4.5 8-10 8c-1.1 0-2.2-.1-3.2-.4L3 21l1.3-4.3C2.8 15.2 2 13.2 2 11c0-4.4 4.5-8 10-8z',
    28,
  );
