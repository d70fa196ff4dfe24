// A post's text cut into plain runs and `@username` mentions. Only the usernames posts resolved
// (`post.mentions`: users that exist) become mentions; any other `@word` stays plain text, so a
// link never leads to a profile that is not there. Pure, so it is tested without a browser.
import type { Mention } from '../api/types';

export type TextPart = { text: string } | { text: string; mention: string };

/**
 * `@` + a username (sign-up's rule: 3-32 of a-z, 0-9, _), not glued to a word before it (an
 * e-mail address is not a mention) nor followed by more username characters.
 */
const TOKEN = /(?<![A-Za-z0-9_@])@([a-z0-9_]{3,32})(?![A-Za-z0-9_])/g;

export function mentionParts(text: string, mentions: readonly Mention[] = []): TextPart[] {
  const known = new Set(mentions.map((m) => m.username));
  const parts: TextPart[] = [];
  let plain = 0;
  if (known.size > 0) {
    for (const match of text.matchAll(TOKEN)) {
      const username = match[1];
      if (!known.has(username)) continue;
      if (match.index > plain) parts.push({ text: text.slice(plain, match.index) });
      parts.push({ text: match[0], mention: username });
      plain = match.index + match[0].length;
    }
  }
  if (plain < text.length) parts.push({ text: text.slice(plain) });
  return parts;
}
