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

export const CloseIcon = () => icon('M6 6l12 12M18 6 6 18', 22, true);
export const SendIcon = () => icon('M3.4 20.4 21 12 3.4 3.6v6.4l12.6 2-12.6 2z', 20);
