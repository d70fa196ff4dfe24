import { IdempotencyKeysMigration } from '#persistence';

/** The idempotency_key table of this service's keyed writes (see libs/persistence idempotent-writes). */
export class CreateIdempotencyKeys1765152000001 extends IdempotencyKeysMigration {
  name = 'CreateIdempotencyKeys1765152000001';
}
