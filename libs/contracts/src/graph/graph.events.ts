import { z } from 'zod';
import { AuthorSummary } from '../common/ids.js';
import { EventEnvelope } from '../events/event-envelope.js';

/**
 * Both users as summaries: a consumer (the home feed, notifications) acts on the event alone,
 * without asking identity or graph. Published once per change: a repeated follow (or unfollow of
 * nobody) publishes nothing.
 */
const FollowFacts = {
  follower: AuthorSummary,
  followee: AuthorSummary,
  /**
   * Grows with every change of any follow: of two events about the same pair, the greater
   * version is the later state (consumers of separate subjects may see them in either order).
   */
  version: z.number().int().positive(),
};

/** `follower` now follows `followee`, since `occurredAt`. */
export const FollowedEvent = z.object({ ...EventEnvelope, ...FollowFacts });
export type FollowedEvent = z.infer<typeof FollowedEvent>;

/** `follower` no longer follows `followee`. */
export const UnfollowedEvent = z.object({ ...EventEnvelope, ...FollowFacts });
export type UnfollowedEvent = z.infer<typeof UnfollowedEvent>;
