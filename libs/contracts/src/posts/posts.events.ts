import { z } from 'zod';
import { AuthorSummary, Uuid } from '../common/ids.js';
import { Excerpt } from '../common/excerpt.js';
import { EventEnvelope } from '../events/event-envelope.js';

const PostFacts = {
  postId: Uuid,
  authorId: Uuid,
  /** The post's media ids (posts never change their media; empty for a text-only post). */
  mediaIds: z.array(Uuid).max(4),
};

export const PostCreatedEvent = z.object({
  ...EventEnvelope,
  ...PostFacts,
  /** The post's own createdAt (its position in every timeline); older events lack it. */
  createdAt: z.iso.datetime().optional(),
  /** The users the text mentions (`@username`, existing users only); older events lack it. */
  mentions: z.array(z.object({ id: Uuid, username: z.string() })).optional(),
  /** The author as a summary (notifications show who mentioned you); older events lack it. */
  author: AuthorSummary.optional(),
  /** The start of the text (excerptOf), for notifications about the post; older events lack it. */
  excerpt: Excerpt.optional(),
});
export type PostCreatedEvent = z.infer<typeof PostCreatedEvent>;

export const PostDeletedEvent = z.object({ ...EventEnvelope, ...PostFacts });
export type PostDeletedEvent = z.infer<typeof PostDeletedEvent>;
