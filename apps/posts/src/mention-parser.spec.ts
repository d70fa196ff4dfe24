import { describe, expect, it } from 'vitest';
import { parseMentions } from './mention-parser.js';

describe('parseMentions', () => {
  it('finds @usernames by the sign-up rule, distinct, in order of first mention', () => {
    expect(parseMentions('hi @bob and @carol_2, @bob again')).toEqual(['bob', 'carol_2']);
    expect(parseMentions('@ann: (@dan) @eve! @fay.')).toEqual(['ann', 'dan', 'eve', 'fay']);
    expect(parseMentions('line\n@bob\t@cat_')).toEqual(['bob', 'cat_']);
  });

  it('takes the whole name after the @: a run that is not a username names nobody', () => {
    // Upper case is not a username (sign-up and lookup refuse it), so neither is any part of it.
    expect(parseMentions('@Bob @bOB @ab @' + 'a'.repeat(33) + ' @a-b')).toEqual([]);
    expect(parseMentions('@' + 'a'.repeat(32))).toEqual(['a'.repeat(32)]);
  });

  it('ignores an @ inside a word (addresses) or doubled', () => {
    expect(parseMentions('mail ann@example.com or x_@bob, @@carol')).toEqual([]);
  });

  it('finds nothing in a text without mentions', () => {
    expect(parseMentions('')).toEqual([]);
    expect(parseMentions('just text @ nothing')).toEqual([]);
  });

  it('looks at a bounded number of distinct names', () => {
    const text = Array.from({ length: 100 }, (_, i) => `@user_${i}`).join(' ');
    expect(parseMentions(text, 7)).toEqual(Array.from({ length: 7 }, (_, i) => `user_${i}`));
  });
});
