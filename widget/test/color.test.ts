import { describe, expect, it } from 'vitest';
import { contrast, parseRgb, textColorOn } from '../src/color';
import { isEmail } from '../src/email';

describe('color contrast', () => {
  it('parses hex colors as canvas returns them', () => {
    expect(parseRgb('#2563eb')).toEqual([37, 99, 235]);
    expect(parseRgb('#FFFFFF')).toEqual([255, 255, 255]);
    expect(parseRgb('#FFF')).toBeNull(); // canvas never gives the short form
    expect(parseRgb('rgba(37, 99, 235, 0.5)')).toBeNull(); // a transparent color
    expect(parseRgb('red')).toBeNull();
  });

  it('computes WCAG ratios', () => {
    expect(contrast([0, 0, 0], [255, 255, 255])).toBeCloseTo(21, 5);
    expect(contrast([255, 255, 255], [255, 255, 255])).toBe(1);
  });

  it('picks white on dark brands and near-black on light ones', () => {
    expect(textColorOn([37, 99, 235])).toBe('#fff'); // default blue
    expect(textColorOn([17, 24, 39])).toBe('#fff');
    expect(textColorOn([250, 204, 21])).toBe('#111827'); // yellow
    expect(textColorOn([255, 255, 255])).toBe('#111827');
    expect(textColorOn([163, 230, 53])).toBe('#111827'); // lime
  });
});

describe('isEmail', () => {
  it('accepts ordinary addresses and rejects obvious mistakes', () => {
    expect(isEmail('ada@example.com')).toBe(true);
    expect(isEmail('a.b+c@shop.co.uk')).toBe(true);
    for (const bad of ['', 'ada', 'ada@', '@x.com', 'ada@example', 'a da@x.com', 'ada@x..com']) {
      expect(isEmail(bad), bad).toBe(false);
    }
  });
});
