import { describe, expect, it } from 'vitest';
import { EXCERPT_LENGTH, Excerpt, excerptOf } from './excerpt.js';

describe('excerptOf', () => {
  it('keeps a short text whole, with its whitespace folded', () => {
    expect(excerptOf('  hello\n\n  world\t!  ')).toBe('hello world !');
  });

  it('cuts a long text at EXCERPT_LENGTH code points and says so', () => {
    const e = excerptOf('x'.repeat(EXCERPT_LENGTH + 1));
    expect(e).toBe(`${'x'.repeat(EXCERPT_LENGTH)}…`);
    expect(Excerpt.safeParse(e).success).toBe(true);
  });

  it('never cuts an emoji in half (code points, not UTF-16 units)', () => {
    const e = excerptOf('😀'.repeat(EXCERPT_LENGTH + 5));
    expect(Array.from(e)).toEqual([...Array.from('😀'.repeat(EXCERPT_LENGTH)), '…']);
    expect(Excerpt.safeParse(e).success).toBe(true);
  });
});
