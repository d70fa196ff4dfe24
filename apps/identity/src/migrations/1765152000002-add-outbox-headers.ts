import { OutboxHeadersMigration } from '#events';

/** The outbox rows' publish headers (request id, trace context); see libs/events outbox. */
export class AddOutboxHeaders1765152000002 extends OutboxHeadersMigration {
  name = 'AddOutboxHeaders1765152000002';
}
