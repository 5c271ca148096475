/** Contrast helpers (WCAG 2.x relative luminance), pure so they are unit-tested. */

export type Rgb = [number, number, number];

/** Parses `#rrggbb`, what canvas gives for an opaque color; null otherwise. */
export function parseRgb(value: string): Rgb | null {
  if (!/^#[0-9a-f]{6}$/i.test(value)) return null;
  const n = Number.parseInt(value.slice(1), 16);
  return [n >> 16, (n >> 8) & 255, n & 255];
}

export function luminance(rgb: Rgb): number {
  const [r, g, b] = rgb.map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as Rgb;
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG contrast ratio (1–21). */
export function contrast(a: Rgb, b: Rgb): number {
  const x = luminance(a) + 0.05;
  const y = luminance(b) + 0.05;
  return x > y ? x / y : y / x;
}

export const INK: Rgb = [17, 24, 39];

/**
 * White text unless near-black (#111827) reads better on this background. The two
 * contrasts are equal at luminance √(1.05 · (L(ink) + 0.05)) − 0.05 ≈ 0.19930: one compare
 * instead of two ratios (the test checks it against `contrast`).
 */
export const textColorOn = (background: Rgb): string =>
  luminance(background) <= 0.1993 ? '#fff' : '#111827';
