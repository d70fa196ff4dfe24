import { z } from 'zod';
import { Uuid } from '../common/ids.js';
import { Cursor } from '../common/pagination.js';

export const HomeFeedRequest = z.strictObject({
  userId: Uuid,
  limit: z.number().int().min(1).max(100),
  cursor: Cursor.optional(),
});
export type HomeFeedRequest = z.infer<typeof HomeFeedRequest>;

/** A post's place in a feed; the post itself comes from posts (`posts.get-many`). */
export interface FeedEntry {
  postId: string;
  createdAt: string;
  /**
   * Whether the feed's owner follows the post's author, as feed's projection of graph's follows
   * has it (a post can be there by a mention, or be the owner's own: false). The edge stitches
   * `followedByMe` from it without asking graph. Absent from replicas older than it.
   */
  authorFollowed?: boolean;
}

/** Newest first; the cursor is a post position (createdAt, id), the same as `posts.list`'s. */
export interface HomeFeedPage {
  items: FeedEntry[];
  nextCursor: string | null;
}

/**
 * Feeds rebuilt from the sources of truth (graph's follows, posts' posts), not from feed's own
 * projections: one user's (`userId`), or every feed. Safe while events keep flowing.
 */
export const RebuildFeedsRequest = z.strictObject({ userId: Uuid.optional() });
export type RebuildFeedsRequest = z.infer<typeof RebuildFeedsRequest>;

/** What was read and written: feeds rebuilt, follows and posts read, feed items written. */
export interface RebuildFeedsReply {
  users: number;
  followEdges: number;
  posts: number;
  items: number;
  ms: number;
}
