import { z } from 'zod';
import { AuthorSummary, Uuid } from '../common/ids.js';
import { Cursor, PageLimit, type Page } from '../common/pagination.js';
import { Username } from '../identity/identity.schemas.js';

export const PostText = z
  .string({ error: 'text must be a string' })
  .min(1, 'text must not be empty')
  .max(5000, 'text must be at most 5000 characters')
  .refine((t) => t.trim().length > 0, 'text must not be blank');

/** The HTTP body of `POST /posts`. */
export const CreatePostBody = z.strictObject({
  text: PostText,
  mediaIds: z.array(Uuid).max(4, 'at most 4 media per post').optional(),
});
export type CreatePostBody = z.infer<typeof CreatePostBody>;

export const CreatePostRequest = z.strictObject({
  author: AuthorSummary,
  text: PostText,
  mediaIds: z.array(Uuid).max(4).default([]),
});
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

export const ListPostsRequest = z.strictObject({
  author: Username.optional(),
  limit: z.number().int().min(1).max(100),
  cursor: Cursor.optional(),
});
export type ListPostsRequest = z.infer<typeof ListPostsRequest>;

export const DeletePostRequest = z.strictObject({ id: Uuid, requesterId: Uuid });
export type DeletePostRequest = z.infer<typeof DeletePostRequest>;

/** A post as the posts service owns it (the edge adds counts and media). */
export interface PostRecord {
  id: string;
  author: AuthorSummary;
  text: string;
  mediaIds: string[];
  createdAt: string;
}
export type PostPage = Page<PostRecord>;

export interface DeletePostReply {
  deleted: true;
}
