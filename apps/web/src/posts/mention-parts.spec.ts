import { describe, expect, it } from 'vitest';
import { mentionParts } from './mention-parts';

const m = (...usernames: string[]) => usernames.map((username) => ({ username }));

describe('mentionParts', () => {
  it('turns the mentions posts resolved into links and leaves the rest of the text as it is', () => {
    expect(mentionParts('hi @alice and @bob_2!', m('alice', 'bob_2'))).toEqual([
      { text: 'hi ' },
      { text: '@alice', mention: 'alice' },
      { text: ' and ' },
      { text: '@bob_2', mention: 'bob_2' },
      { text: '!' },
    ]);
  });

  it('keeps an @username that is not in mentions (nobody by that name) as plain text', () => {
    expect(mentionParts('@ghost says hi to @alice', m('alice'))).toEqual([
      { text: '@ghost says hi to ' },
      { text: '@alice', mention: 'alice' },
    ]);
  });

  it('links nothing without mentions (an edge that does not send them, or none resolved)', () => {
    expect(mentionParts('hi @alice', undefined)).toEqual([{ text: 'hi @alice' }]);
    expect(mentionParts('hi @alice', [])).toEqual([{ text: 'hi @alice' }]);
  });

  it('links every occurrence, and one at the very start or end', () => {
    expect(mentionParts('@alice @alice', m('alice'))).toEqual([
      { text: '@alice', mention: 'alice' },
      { text: ' ' },
      { text: '@alice', mention: 'alice' },
    ]);
  });

  it('is not fooled by e-mail addresses, longer names, capitals or a doubled @', () => {
    const known = m('alice');
    expect(mentionParts('mail me@alice.org', known)).toEqual([{ text: 'mail me@alice.org' }]);
    expect(mentionParts('@alice_smith', known)).toEqual([{ text: '@alice_smith' }]);
    expect(mentionParts('@Alice', known)).toEqual([{ text: '@Alice' }]);
    expect(mentionParts('@@alice', known)).toEqual([{ text: '@@alice' }]);
    // Punctuation ends a username.
    expect(mentionParts('(@alice), @alice.', known)).toEqual([
      { text: '(' },
      { text: '@alice', mention: 'alice' },
      { text: '), ' },
      { text: '@alice', mention: 'alice' },
      { text: '.' },
    ]);
  });

  it('gives back the whole text, character for character, across lines and other scripts', () => {
    const text = 'ありがとう @alice\n@bob — see @carol';
    const parts = mentionParts(text, m('alice', 'bob'));
    expect(parts.map((p) => p.text).join('')).toBe(text);
    expect(parts.filter((p) => 'mention' in p).map((p) => ('mention' in p ? p.mention : ''))).toEqual(['alice', 'bob']);
    expect(mentionParts('', m('alice'))).toEqual([]);
  });
});
