import { describe, expect, it } from 'vitest';
import { CommentText } from '../comments/comments.schemas.js';
import { DisplayName, LoginRequest, Password, SignupRequest } from '../identity/identity.schemas.js';
import { MessageText } from '../messaging/messaging.schemas.js';
import { CreatePostBody, PostText } from '../posts/posts.schemas.js';
import { toFieldErrors } from '../validation.js';
import { textField } from './text.js';

const MULTI = 'text must not contain control characters other than newline and tab, nor unpaired surrogates';
const messages = (r: { success: boolean; error?: { issues: Array<{ message: string }> } }) =>
  r.error?.issues.map((i) => i.message) ?? [];

describe('text fields', () => {
  const multi = textField('text', { multiline: true });
  const single = textField('name', { multiline: false });

  it('refuses every C0 control but tab and newline, DEL, C1 controls and unpaired surrogates', () => {
    const refused = [
      ...Array.from({ length: 0x20 }, (_, c) => c).filter((c) => c !== 0x09 && c !== 0x0a),
      0x7f,
      ...Array.from({ length: 0x20 }, (_, c) => 0x80 + c),
    ].map((c) => String.fromCharCode(c));
    for (const ch of [...refused, '\ud800', '\udfff', 'a\ud83d']) {
      expect(multi.safeParse(`a${ch}b`).success, JSON.stringify(ch)).toBe(false);
      expect(single.safeParse(`a${ch}b`).success, JSON.stringify(ch)).toBe(false);
    }
  });

  it('takes newline and tab in text with lines only, and any other Unicode in both', () => {
    expect(multi.safeParse('line one\n\tline two').success).toBe(true);
    expect(single.safeParse('line one\nline two').success).toBe(false);
    expect(single.safeParse('a\tb').success).toBe(false);
    for (const ok of ['日本語のテキスト', '😀 emoji pair', 'Zoë', '\u2028', '"quoted" \\ back']) {
      expect(multi.safeParse(ok).success, ok).toBe(true);
      expect(single.safeParse(ok).success, ok).toBe(true);
    }
  });

  it('names the field in the message, as the 400 lists it', () => {
    expect(messages(PostText.safeParse('a\u0000'))).toEqual([MULTI]);
    expect(messages(CommentText.safeParse('a\u0001'))).toEqual([MULTI]);
    expect(messages(MessageText.safeParse('a\u001b[2J'))).toEqual([MULTI]);
    expect(messages(DisplayName.safeParse('Al\u0000ice'))).toEqual([
      'displayName must not contain control characters, nor unpaired surrogates',
    ]);
    expect(messages(Password.safeParse('correct\u0000horse'))).toEqual([
      'password must not contain control characters, nor unpaired surrogates',
    ]);
    const login = LoginRequest.safeParse({ username: 'a\u0000', password: 'x\u0000' });
    expect(login.success ? [] : toFieldErrors(login.error)).toEqual([
      { field: 'username', message: 'username must not contain control characters, nor unpaired surrogates' },
      { field: 'password', message: 'password must not contain control characters, nor unpaired surrogates' },
    ]);
    const signup = SignupRequest.safeParse({ username: 'al\u0000', password: 'correct horse', displayName: 'A\u0007' });
    expect(signup.success ? [] : toFieldErrors(signup.error).map((e) => e.field)).toEqual(['username', 'displayName']);
    const post = CreatePostBody.safeParse({ text: '\u0000'.repeat(10) });
    expect(post.success ? [] : toFieldErrors(post.error)).toEqual([{ field: 'text', message: MULTI }]);
  });
});
