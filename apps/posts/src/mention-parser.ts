// Which `@username`s a post's text names, by the username rule of sign-up (Username in the
// contracts: 3–32 of a-z, 0-9 and _, exactly as typed — sign-up and lookup take no other case, so
// `@Bob` names nobody). Pure: resolving the names against known users is the service's part.
import { MAX_MENTIONS, Username } from '#contracts';

/**
 * An `@` that does not follow a name character (so `ann@example.com` mentions nobody) and the
 * whole run of name characters after it; the run must be a username as it stands (`@bob_smith!`
 * is bob_smith, `@Bob` and `@ab` are nobody — not a prefix of them).
 */
const CANDIDATE = /(?<![A-Za-z0-9_@])@([A-Za-z0-9_]+)/g;

/**
 * The distinct usernames `text` mentions, in order of first mention. Looks at a bounded number
 * of candidates: of a text with many names, the first `limit` distinct ones count.
 */
export function parseMentions(text: string, limit = MAX_MENTIONS * 5): string[] {
  const names = new Set<string>();
  for (const m of text.matchAll(CANDIDATE)) {
    const name = m[1];
    if (Username.safeParse(name).success) names.add(name);
    if (names.size >= limit) break;
  }
  return [...names];
}
