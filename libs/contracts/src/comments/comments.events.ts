import { AuthorSummary, Uuid } from '../common/ids.js';
import { Excerpt } from '../common/excerpt.js';
import { EventEnvelope } from '../events/event-envelope.js';
import { z } from 'zod';

const CommentFacts = {
  commentId: Uuid,
  postId: Uuid,
  /** The comment's author as a summary: a consumer needs nobody else to show it. */
  author: AuthorSummary,
};

/** A comment was written on `postId`; `excerpt` is the start of its text (excerptOf). */
export const CommentCreatedEvent = z.object({ ...EventEnvelope, ...CommentFacts, excerpt: Excerpt });
export type CommentCreatedEvent = z.infer<typeof CommentCreatedEvent>;

/** A comment was deleted by its author (not sent for the comments of a deleted post). */
export const CommentDeletedEvent = z.object({ ...EventEnvelope, ...CommentFacts });
export type CommentDeletedEvent = z.infer<typeof CommentDeletedEvent>;
