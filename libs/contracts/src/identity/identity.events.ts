import { z } from 'zod';
import { Uuid } from '../common/ids.js';
import { EventEnvelope } from '../events/event-envelope.js';
import { Username } from './identity.schemas.js';

export const SessionsRevokedEvent = z.object({
  ...EventEnvelope,
  userId: Uuid,
  /** At most a user's sessions at once (a password change revokes all others). */
  sessionIds: z.array(Uuid).min(1).max(10_000),
  /** When the last access token of these sessions expires: an edge forgets them after that. */
  until: z.iso.datetime({ offset: true }),
});
export type SessionsRevokedEvent = z.infer<typeof SessionsRevokedEvent>;

/**
 * A user signed up (usernames never change). Also enqueued once for every user that existed
 * before the event did (identity's migration), so a projection built from it knows them all.
 */
export const UserCreatedEvent = z.object({
  ...EventEnvelope,
  user: z.object({ id: Uuid, username: Username, displayName: z.string().min(1).max(64) }),
});
export type UserCreatedEvent = z.infer<typeof UserCreatedEvent>;
