import { describe, expect, it } from 'vitest';
import { linkify } from '../src/linkify';

describe('linkify', () => {
  it('leaves plain text alone', () => {
    expect(linkify('hello <b>world</b>')).toEqual(['hello <b>world</b>']);
  });

  it('finds http(s) and www links and strips sentence punctuation', () => {
    expect(linkify('See https://shop.test/a?b=1. Or www.example.com, thanks!')).toEqual([
      'See ',
      { href: 'https://shop.test/a?b=1', text: 'https://shop.test/a?b=1' },
      '. Or ',
      { href: 'https://www.example.com', text: 'www.example.com' },
      ', thanks!',
    ]);
  });

  it('keeps balanced parentheses and drops a closing one that is not part of the URL', () => {
    expect(linkify('(https://en.wikipedia.org/wiki/Kettle_(disambiguation))')).toEqual([
      '(',
      {
        href: 'https://en.wikipedia.org/wiki/Kettle_(disambiguation)',
        text: 'https://en.wikipedia.org/wiki/Kettle_(disambiguation)',
      },
      ')',
    ]);
    expect(linkify('(see https://a.test/x)')).toEqual([
      '(see ',
      { href: 'https://a.test/x', text: 'https://a.test/x' },
      ')',
    ]);
  });

  it('never produces javascript: or other schemes', () => {
    const out = linkify('javascript:alert(1) data:text/html,x mailto:a@b.c');
    expect(out).toEqual(['javascript:alert(1) data:text/html,x mailto:a@b.c']);
  });

  it('does not split quotes or angle brackets into the link', () => {
    expect(linkify('"https://a.test/x"<')).toEqual([
      '"',
      { href: 'https://a.test/x', text: 'https://a.test/x' },
      '"<',
    ]);
  });
});
