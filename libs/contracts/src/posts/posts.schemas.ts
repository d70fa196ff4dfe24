import { z } from 'zod';
import { AuthorSummary, Uuid } from '../common/ids.js';
import { Cursor, PageLimit, type Page } from '../common/pagination.js';
import { Username } from '../identity/identity.schemas.js';
import { textField } from '../common/text.js';
import type { PostMention } from './posts.events.js';

/** A post's text; whether it may be empty depends on its media (`textOrMedia`). */
export const PostText = textField('text', { multiline: true })
  .max(5000, 'text must be at most 5000 characters')
  .describe('may be empty (or blank) when mediaIds has at least one id: an image-only post');

/**
 * A post says something: text that is not blank, or at least one image (a photo needs no
 * caption). Checked on the whole body, so the message can say what would make it valid.
 */
function textOrMedia(p: { text: string; mediaIds?: string[] }, ctx: z.RefinementCtx): void {
  if ((p.mediaIds?.length ?? 0) > 0 || p.text.trim().length > 0) return;
  const message = p.text.length === 0 ? 'text must not be empty' : 'text must not be blank';
  ctx.addIssue({ code: 'custom', path: ['text'], message: `${message} when no media is attached` });
}

/** The HTTP body of `POST /posts`. */
export const CreatePostBody = z
  .strictObject({
    text: PostText,
    mediaIds: z.array(Uuid).max(4, 'at most 4 media per post').optional(),
  })
  .superRefine(textOrMedia);
export type CreatePostBody = z.infer<typeof CreatePostBody>;

export const CreatePostRequest = z
  .strictObject({
    author: AuthorSummary,
    text: PostText,
    mediaIds: z.array(Uuid).max(4).default([]),
  })
  .superRefine(textOrMedia);
export type CreatePostRequest = z.input<typeof CreatePostRequest>;

export const GetPostRequest = z.strictObject({ id: Uuid });
export type GetPostRequest = z.infer<typeof GetPostRequest>;

/** The HTTP query of `GET /posts`. */
export const ListPostsQuery = z.strictObject({
  author: Username.optional(),
  limit: PageLimit,
  cursor: Cursor.optional(),
});
export type ListPostsQuery = z.infer<typeof ListPostsQuery>;

/** At most this many authors in one `posts.list` (a home feed built at read time asks for all followees). */
export const MAX_LIST_AUTHORS = 2000;

export const ListPostsRequest = z
  .strictObject({
    author: Username.optional(),
    /** Posts by any of these users (the home feed built at read time, while feed is down). */
    authorIds: z.array(Uuid).max(MAX_LIST_AUTHORS).optional(),
    /** Posts that mention this user (a feed rebuilt from the sources of truth). */
    mentioning: Uuid.optional(),
    limit: z.number().int().min(1).max(100),
    cursor: Cursor.optional(),
  })
  .refine((r) => !(r.author && r.authorIds), {
    message: 'author and authorIds exclude each other',
    path: ['authorIds'],
  })
  .refine((r) => !(r.mentioning && (r.author || r.authorIds)), {
    message: 'mentioning excludes author and authorIds',
    path: ['mentioning'],
  });
export type ListPostsRequest = z.infer<typeof ListPostsRequest>;

/** Many posts by id at once (a page of a home feed): those that exist, in the order asked. */
export const GetPostsRequest = z.strictObject({ ids: z.array(Uuid).max(100) });
export type GetPostsRequest = z.infer<typeof GetPostsRequest>;

/**
 * `items` follow the asked order. A reply is bounded in bytes like a page (PAGE_BUDGET_BYTES):
 * when the posts would not fit, `items` stops early and `complete` is false — everything asked
 * after the last item was left out, not found missing.
 */
export interface PostList {
  items: PostRecord[];
  complete: boolean;
}

export const DeletePostRequest = z.strictObject({ id: Uuid, requesterId: Uuid });
export type DeletePostRequest = z.infer<typeof DeletePostRequest>;

/** A post as the posts service owns it (the edge adds counts and media). */
export interface PostRecord {
  id: string;
  author: AuthorSummary;
  text: string;
  mediaIds: string[];
  /** The users its text mentions (resolved when it was written); empty when none. */
  mentions: PostMention[];
  createdAt: string;
}
export type PostPage = Page<PostRecord>;

export interface DeletePostReply {
  deleted: true;
}

/**
 * At most this many posts in one `posts.scan` page (ids, times and mentioned ids only: ~120 bytes
 * each, ~500 with the most mentions a post can have).
 */
export const MAX_SCAN_POSTS = 1000;

/**
 * Every post, oldest first, strictly after `cursor` (a post position, as `posts.list`'s), as
 * ids, author ids and times only: a reader that pages to the end also sees the posts made while
 * it paged. For rebuilding feeds from the source of truth.
 */
export const ScanPostsRequest = z.strictObject({
  limit: z.number().int().min(1).max(MAX_SCAN_POSTS),
  cursor: Cursor.optional(),
});
export type ScanPostsRequest = z.infer<typeof ScanPostsRequest>;

export interface PostRef {
  id: string;
  authorId: string;
  createdAt: string;
  /** The users it mentions (ids); absent from replicas older than it. */
  mentionIds?: string[];
}

export interface ScanPostsReply {
  items: PostRef[];
  nextCursor: string | null;
}
