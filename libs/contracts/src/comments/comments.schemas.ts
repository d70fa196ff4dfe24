import { z } from 'zod';
import { AuthorSummary, Uuid } from '../common/ids.js';
import { Cursor, PageLimit, type Page } from '../common/pagination.js';
import { textField } from '../common/text.js';

export const CommentText = textField('text', { multiline: true })
  .min(1, 'text must not be empty')
  .max(2000, 'text must be at most 2000 characters')
  .refine((t) => t.trim().length > 0, 'text must not be blank');

/** The HTTP body of `POST /posts/:id/comments`. */
export const CreateCommentBody = z.strictObject({ text: CommentText });
export type CreateCommentBody = z.infer<typeof CreateCommentBody>;

export const CreateCommentRequest = z.strictObject({ postId: Uuid, author: AuthorSummary, text: CommentText });
export type CreateCommentRequest = z.infer<typeof CreateCommentRequest>;

/** The HTTP query of `GET /posts/:id/comments`. */
export const ListCommentsQuery = z.strictObject({ limit: PageLimit, cursor: Cursor.optional() });
export type ListCommentsQuery = z.infer<typeof ListCommentsQuery>;

export const ListCommentsRequest = z.strictObject({
  postId: Uuid,
  limit: z.number().int().min(1).max(100),
  cursor: Cursor.optional(),
});
export type ListCommentsRequest = z.infer<typeof ListCommentsRequest>;

export const DeleteCommentRequest = z.strictObject({ id: Uuid, requesterId: Uuid });
export type DeleteCommentRequest = z.infer<typeof DeleteCommentRequest>;

/** One batch request for a page of posts: never one request per post. */
export const CountCommentsRequest = z.strictObject({ postIds: z.array(Uuid).max(100) });
export type CountCommentsRequest = z.infer<typeof CountCommentsRequest>;

export interface CommentRecord {
  id: string;
  postId: string;
  author: AuthorSummary;
  text: string;
  createdAt: string;
}
export type CommentPage = Page<CommentRecord>;

export interface DeleteCommentReply {
  deleted: true;
}

/** Every asked post id is a key; posts without comments count 0. */
export interface CommentCountsReply {
  counts: Record<string, number>;
}
