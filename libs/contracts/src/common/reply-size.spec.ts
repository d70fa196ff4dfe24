// The largest reply each subject can give, built from the contracts' own limits with the
// costliest character a text field still takes, must fit NATS's max_payload. Control characters
// and unpaired surrogates (six bytes each as JSON escapes) are refused (common/text.ts), so that
// character is a three-byte one: every other costs at most two bytes per UTF-16 unit (an escaped
// quote, newline or tab; a four-byte emoji is two units).
import { describe, expect, it } from 'vitest';
import type { CommentRecord } from '../comments/comments.schemas.js';
import { DisplayName } from '../identity/identity.schemas.js';
import type { LikePage } from '../likes/likes.schemas.js';
import { mediaUrls, type Media, type ResolveMediaReply } from '../media/media.schemas.js';
import { MAX_CONVERSATIONS, MessageText, type ConversationList, type Message } from '../messaging/messaging.schemas.js';
import { PostText, type PostRecord } from '../posts/posts.schemas.js';
import { MAX_MENTIONS } from '../posts/posts.events.js';
import { CommentText } from '../comments/comments.schemas.js';
import type { AuthorSummary } from './ids.js';
import { keysetPage, NATS_MAX_PAYLOAD_BYTES, PAGE_BUDGET_BYTES, type Page } from './pagination.js';

const WIDE = '語';
const LIMIT = 100; // PageLimit's and every list request's maximum
const uuid = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
const at = (i: number) => new Date(Date.UTC(2026, 0, 1) + i).toISOString();
/** Bytes of the reply packet MeshServer sends for `response`. */
const replyBytes = (response: unknown) =>
  Buffer.byteLength(JSON.stringify({ id: uuid(0), response, isDisposed: true }));
const fill = (schema: { safeParse: (v: string) => { success: boolean } }, max: number) => {
  const text = WIDE.repeat(max);
  expect(schema.safeParse(text).success).toBe(true);
  expect(schema.safeParse(text + WIDE).success).toBe(false);
  return text;
};

const author = (i: number): AuthorSummary => ({
  id: uuid(i),
  username: 'u'.repeat(32),
  displayName: fill(DisplayName, 64),
});
const post = (i: number): PostRecord => ({
  id: uuid(i),
  author: author(i),
  text: fill(PostText, 5000),
  mediaIds: [1, 2, 3, 4].map(uuid),
  // The most a post mentions, each with the longest username.
  mentions: Array.from({ length: MAX_MENTIONS }, (_, m) => ({ id: uuid(m), username: 'm'.repeat(31) + (m % 10) })),
  createdAt: at(i),
});
const comment = (i: number): CommentRecord => ({
  id: uuid(i),
  postId: uuid(0),
  author: author(i),
  text: fill(CommentText, 2000),
  createdAt: at(i),
});
const message = (i: number): Message => ({
  id: uuid(i),
  from: author(i),
  to: author(i + 1),
  text: fill(MessageText, 2000),
  createdAt: at(i),
});
/** What a service's list does: limit + 1 rows, made a page. */
const fullPage = <T extends { createdAt: string; id: string }>(make: (i: number) => T): Page<T> =>
  keysetPage(
    Array.from({ length: LIMIT + 1 }, (_, i) => make(i)),
    LIMIT,
  );

describe('the largest reply of each subject fits max_payload', () => {
  it('posts.list: 100 posts of 5000 wide characters would not (1.5 MB), so the page stops at its budget', () => {
    const unbounded = { items: Array.from({ length: LIMIT }, (_, i) => post(i)), nextCursor: 'x' };
    expect(replyBytes(unbounded)).toBeGreaterThan(NATS_MAX_PAYLOAD_BYTES);
    const page = fullPage(post);
    expect(page.items.length).toBe(31);
    expect(page.nextCursor).not.toBeNull();
    expect(replyBytes(page)).toBeLessThanOrEqual(PAGE_BUDGET_BYTES + 512);
  });

  it('comments.list and messaging.conversation: 100 of 2000 wide characters fit, and stay in the budget', () => {
    for (const page of [fullPage(comment), fullPage(message)]) {
      expect(replyBytes(page)).toBeLessThanOrEqual(PAGE_BUDGET_BYTES + 512);
      expect(page.nextCursor).not.toBeNull();
    }
    expect(fullPage(comment).items.length).toBe(81);
    expect(fullPage(message).items.length).toBe(78);
  });

  it('messaging.conversations: the newest 100, unpaged, fit', () => {
    const list: ConversationList = {
      items: Array.from({ length: MAX_CONVERSATIONS }, (_, i) => ({ with: author(i), lastMessage: message(i) })),
    };
    expect(replyBytes(list)).toBeLessThan(0.75 * NATS_MAX_PAYLOAD_BYTES);
  });

  it('likes.list, media.resolve and the batch counts fit many times over', () => {
    const likes: LikePage = {
      count: 1_000_000,
      items: Array.from({ length: LIMIT }, (_, i) => ({ user: author(i), createdAt: at(i) })),
      nextCursor: 'x'.repeat(64),
    };
    expect(replyBytes(likes)).toBeLessThan(NATS_MAX_PAYLOAD_BYTES / 10);
    const media: Media = {
      id: uuid(1),
      ...mediaUrls(uuid(1)),
      width: 4096,
      height: 4096,
      contentType: 'image/webp',
      bytes: 10 * 1024 * 1024,
    };
    const resolved: ResolveMediaReply = { items: Array(400).fill(media), notOwned: Array(400).fill(uuid(2)) };
    expect(replyBytes(resolved)).toBeLessThan(NATS_MAX_PAYLOAD_BYTES / 5);
    const counts = Object.fromEntries(Array.from({ length: LIMIT }, (_, i) => [uuid(i), 1_000_000]));
    expect(replyBytes({ counts })).toBeLessThan(NATS_MAX_PAYLOAD_BYTES / 100);
  });
});

describe('keysetPage', () => {
  const rows = (sizes: number[]) => sizes.map((n, i) => ({ id: uuid(i), createdAt: at(i), text: 'a'.repeat(n) }));

  it('takes up to limit items, with a cursor only when a row was left out', () => {
    expect(keysetPage(rows([1, 1, 1]), 3)).toEqual({ items: rows([1, 1, 1]), nextCursor: null });
    const page = keysetPage(rows([1, 1, 1, 1]), 3);
    expect(page.items).toEqual(rows([1, 1, 1]));
    expect(page.nextCursor).toBe(Buffer.from(`${at(2)}|${uuid(2)}`).toString('base64url'));
  });

  it('stops before the item that would pass the budget, and never at none', () => {
    const page = keysetPage(rows([400, 400, 400]), 100, 1000);
    expect(page.items.map((r) => r.id)).toEqual([uuid(0), uuid(1)]);
    expect(page.nextCursor).toBe(Buffer.from(`${at(1)}|${uuid(1)}`).toString('base64url'));
    expect(Buffer.byteLength(JSON.stringify(page.items))).toBeLessThanOrEqual(1000);
    // A first item past the budget by itself still makes a page: the reader moves on.
    expect(keysetPage(rows([5000, 1]), 100, 1000).items.map((r) => r.id)).toEqual([uuid(0)]);
  });

  it('counts bytes, not characters', () => {
    const wide = [0, 1, 2].map((i) => ({ id: uuid(i), createdAt: at(i), text: WIDE.repeat(300) }));
    // 300 wide characters are 900 bytes: two items pass 1000 bytes, though they are 2 × ~370 characters.
    expect(keysetPage(wide, 100, 1000).items).toHaveLength(1);
  });
});
