import { z } from 'zod';
import { Uuid } from '../common/ids.js';
import { EventEnvelope } from '../events/event-envelope.js';

export const SessionsRevokedEvent = z.object({
  ...EventEnvelope,
  userId: Uuid,
  /** At most a user's sessions at once (a password change revokes all others). */
  sessionIds: z.array(Uuid).min(1).max(10_000),
  /** When the last access token of these sessions expires: an edge forgets them after that. */
  until: z.iso.datetime({ offset: true }),
});
export type SessionsRevokedEvent = z.infer<typeof SessionsRevokedEvent>;
