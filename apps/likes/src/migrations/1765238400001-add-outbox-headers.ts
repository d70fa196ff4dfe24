import { OutboxHeadersMigration } from '#events';

/** The outbox rows' publish headers (request id, trace context); see libs/events outbox. */
export class AddOutboxHeaders1765238400001 extends OutboxHeadersMigration {
  name = 'AddOutboxHeaders1765238400001';
}
