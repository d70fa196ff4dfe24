// One map from event subject to its payload schema: the outbox, the consumers and their
// handlers are typed by it, and consumers validate every event with it.
import type { z } from 'zod';
import { Events, type EventSubject } from './event-subjects.js';
import type { EventEnvelope } from './event-envelope.js';
import { PostCreatedEvent, PostDeletedEvent } from '../posts/posts.events.js';
import { FollowedEvent, UnfollowedEvent } from '../graph/graph.events.js';
import { LikedEvent, UnlikedEvent } from '../likes/likes.events.js';
import { CommentCreatedEvent, CommentDeletedEvent } from '../comments/comments.events.js';
import { SessionsRevokedEvent, UserCreatedEvent } from '../identity/identity.events.js';

export const EventSchemas = {
  [Events.identity.sessionsRevoked]: SessionsRevokedEvent,
  [Events.identity.usersCreated]: UserCreatedEvent,
  [Events.posts.created]: PostCreatedEvent,
  [Events.posts.deleted]: PostDeletedEvent,
  [Events.likes.liked]: LikedEvent,
  [Events.likes.unliked]: UnlikedEvent,
  [Events.comments.created]: CommentCreatedEvent,
  [Events.comments.deleted]: CommentDeletedEvent,
  [Events.graph.followed]: FollowedEvent,
  [Events.graph.unfollowed]: UnfollowedEvent,
} as const satisfies Record<EventSubject, z.ZodType>;

export type EventMap = { [S in EventSubject]: z.infer<(typeof EventSchemas)[S]> };
export type EventOf<S extends EventSubject> = EventMap[S];
/** What a producer supplies: the facts; the outbox adds the envelope. */
export type EventFacts<S extends EventSubject> = Omit<EventOf<S>, keyof EventEnvelope>;

/** The schema of one subject, typed by it (indexing EventSchemas with a generic gives a union). */
export function eventSchema<S extends EventSubject>(subject: S): z.ZodType<EventOf<S>> {
  return EventSchemas[subject] as unknown as z.ZodType<EventOf<S>>;
}

export function isEventSubject(subject: string): subject is EventSubject {
  return Object.prototype.hasOwnProperty.call(EventSchemas, subject);
}
