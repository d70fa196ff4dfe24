import { z } from 'zod';
import { AuthorSummary, Uuid } from '../common/ids.js';
import { Cursor, PageQuery } from '../common/pagination.js';

/** Like and unlike are idempotent: the second like is a no-op, not an error or a second row. */
export const LikeRequest = z.strictObject({ postId: Uuid, user: AuthorSummary });
export type LikeRequest = z.infer<typeof LikeRequest>;

export const UnlikeRequest = z.strictObject({ postId: Uuid, userId: Uuid });
export type UnlikeRequest = z.infer<typeof UnlikeRequest>;

/** The HTTP query of `GET /posts/:id/likes`. */
export const ListLikesQuery = PageQuery;
export type ListLikesQuery = PageQuery;

export const ListLikesRequest = z.strictObject({
  postId: Uuid,
  limit: z.number().int().min(1).max(100),
  cursor: Cursor.optional(),
});
export type ListLikesRequest = z.infer<typeof ListLikesRequest>;

/** One batch request for a page of posts: counts, and whether `viewerId` liked each. */
export const LikeSummaryRequest = z.strictObject({ postIds: z.array(Uuid).max(100), viewerId: Uuid.optional() });
export type LikeSummaryRequest = z.infer<typeof LikeSummaryRequest>;

export interface LikeReply {
  liked: boolean;
}

export interface LikeRecord {
  user: AuthorSummary;
  createdAt: string;
}

export interface LikePage {
  count: number;
  items: LikeRecord[];
  nextCursor: string | null;
}

/** Every asked post id is a key; likedByMe is null when no viewer was given. */
export interface LikeSummaryReply {
  summaries: Record<string, { count: number; likedByMe: boolean | null }>;
}
