import { z } from 'zod';
import { AuthorSummary, Uuid } from '../common/ids.js';
import { EventEnvelope } from '../events/event-envelope.js';

/** Published once per change: a repeated like (or an unlike of no like) publishes nothing. */
const LikeFacts = {
  postId: Uuid,
  /** Who liked (or stopped liking), as a summary: a consumer needs nobody else to show it. */
  user: AuthorSummary,
  /**
   * Grows with every change of any like: of two events about the same (post, user), the greater
   * version is the later state (consumers of separate subjects may see them in either order).
   */
  version: z.number().int().positive(),
};

/** `user` liked `postId`. */
export const LikedEvent = z.object({ ...EventEnvelope, ...LikeFacts });
export type LikedEvent = z.infer<typeof LikedEvent>;

/** `user` no longer likes `postId`. */
export const UnlikedEvent = z.object({ ...EventEnvelope, ...LikeFacts });
export type UnlikedEvent = z.infer<typeof UnlikedEvent>;
