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
}

/** Newest first; the cursor is a post position (createdAt, id), the same as `posts.list`'s. */
export interface HomeFeedPage {
  items: FeedEntry[];
  nextCursor: string | null;
}
