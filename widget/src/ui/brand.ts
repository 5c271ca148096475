import { parseRgb, textColorOn } from '../color';
import { DEFAULT_COLOR } from '../config';

/**
 * Brand color (tag, then the site's setting, then the default) and a readable text
 * color on it. Any CSS color is normalised to #rrggbb through a detached canvas.
 */
export function brand(tagColor: string | undefined, siteColor: string | undefined): [string, string] {
  const color = tagColor ?? (siteColor && CSS.supports('color', siteColor) ? siteColor : DEFAULT_COLOR);
  const ctx = document.createElement('canvas').getContext('2d');
  let rgb = null;
  if (ctx) {
    ctx.fillStyle = color;
    rgb = parseRgb(String(ctx.fillStyle));
  }
  // Not a plain #rrggbb (a transparent color): the text color of the default blue.
  return [color, rgb ? textColorOn(rgb) : '#fff'];
}
