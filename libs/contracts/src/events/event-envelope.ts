import { z } from 'zod';
import { Uuid } from '../common/ids.js';

/**
 * What every event carries besides its facts: a unique id (the JetStream `Nats-Msg-Id`, so a
 * re-publish is dropped as a duplicate) and when the fact was committed.
 *
 * Event schemas are `z.object`, not `strictObject`: a consumer ignores fields it does not know
 * (a tolerant reader), so a producer can add an optional field without a new subject.
 */
export const EventEnvelope = {
  eventId: Uuid,
  occurredAt: z.iso.datetime({ offset: true }),
};
export interface EventEnvelope {
  eventId: string;
  occurredAt: string;
}
