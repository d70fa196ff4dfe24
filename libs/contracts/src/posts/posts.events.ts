import { z } from 'zod';
import { Uuid } from '../common/ids.js';
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
});
export type PostCreatedEvent = z.infer<typeof PostCreatedEvent>;

export const PostDeletedEvent = z.object({ ...EventEnvelope, ...PostFacts });
export type PostDeletedEvent = z.infer<typeof PostDeletedEvent>;
