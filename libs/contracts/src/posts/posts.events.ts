import { z } from 'zod';
import { AuthorSummary, Uuid } from '../common/ids.js';
import { Excerpt } from '../common/excerpt.js';
import { EventEnvelope } from '../events/event-envelope.js';
import { Username } from '../identity/identity.schemas.js';

/** At most this many distinct users are mentioned by one post; later `@names` stay plain text. */
export const MAX_MENTIONS = 10;

/** A user a post mentions, as posts resolved it from its projection of identity's users. */
export const PostMention = z.object({ id: Uuid, username: Username });
export type PostMention = z.infer<typeof PostMention>;

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
  /**
   * The users it mentions (existing ones only, deduplicated, in order of first mention, at most
   * MAX_MENTIONS; the author too if they mention themselves); older events lack it.
   */
  mentions: z.array(PostMention).max(MAX_MENTIONS).optional(),
  /** The author as a summary (notifications show who mentioned you); older events lack it. */
  author: AuthorSummary.optional(),
  /** The start of the text (excerptOf), for notifications about the post; older events lack it. */
  excerpt: Excerpt.optional(),
});
export type PostCreatedEvent = z.infer<typeof PostCreatedEvent>;

export const PostDeletedEvent = z.object({ ...EventEnvelope, ...PostFacts });
export type PostDeletedEvent = z.infer<typeof PostDeletedEvent>;
