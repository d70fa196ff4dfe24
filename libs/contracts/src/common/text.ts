// What every text field takes from a user: no control characters (but newline and tab in text
// that has lines), no unpaired surrogates. PostgreSQL refuses NUL in text (a 500 when it got
// that far), and JSON writes every other control character and every unpaired surrogate as a
// six-byte \uXXXX escape: a 5000-character post of them is 30 KB on the wire, which is what let
// a few posts push a page past NATS's max_payload. Refused, no character costs more than the
// three bytes of UTF-8, so the text limits bound every reply (see common/reply-budget.ts).
import { z } from 'zod';

/** Text with lines (posts, comments, messages): \n and \t are the only controls it may hold. */
export const MULTILINE_TEXT = /^(?:[\t\n]|[^\p{Cc}\p{Cs}])*$/u;
/** One line (names, passwords): no control character at all. */
export const SINGLE_LINE_TEXT = /^[^\p{Cc}\p{Cs}]*$/u;

/** Unpaired surrogates are what `\p{Cs}` matches under the `u` flag (a pair is one code point). */
const controlMessage = (field: string, multiline: boolean) =>
  multiline
    ? `${field} must not contain control characters other than newline and tab, nor unpaired surrogates`
    : `${field} must not contain control characters, nor unpaired surrogates`;

/**
 * A string field that refuses what MULTILINE_TEXT or SINGLE_LINE_TEXT refuse, with a message
 * naming the field; its other rules (length, blankness) are chained by the caller.
 */
export function textField(field: string, o: { multiline: boolean }): z.ZodString {
  return z
    .string({ error: `${field} must be a string` })
    .regex(o.multiline ? MULTILINE_TEXT : SINGLE_LINE_TEXT, controlMessage(field, o.multiline));
}
