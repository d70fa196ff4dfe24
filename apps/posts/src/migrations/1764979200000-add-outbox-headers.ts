import { OutboxHeadersMigration } from '#events';

/** The outbox rows' publish headers (request id, trace context); see libs/persistence outbox. */
export class AddOutboxHeaders1764979200000 extends OutboxHeadersMigration {
  name = 'AddOutboxHeaders1764979200000';
}
