// A short piece of a user's text carried by events and notifications ("liked your post: …"), so
// a consumer can show what an action was about without asking the owner of the text.
import { z } from 'zod';

/** Code points kept from the start of the text (an emoji is never cut in half). */
export const EXCERPT_LENGTH = 100;

/** At most EXCERPT_LENGTH code points, plus an ellipsis when the text was longer. */
export const Excerpt = z.string().max(EXCERPT_LENGTH * 2 + 1);
export type Excerpt = z.infer<typeof Excerpt>;

/** The first EXCERPT_LENGTH code points of `text`, whitespace runs folded to one space. */
export function excerptOf(text: string): string {
  const folded = text.replace(/\s+/g, ' ').trim();
  const points = Array.from(folded);
  return points.length <= EXCERPT_LENGTH ? folded : `${points.slice(0, EXCERPT_LENGTH).join('').trimEnd()}…`;
}
