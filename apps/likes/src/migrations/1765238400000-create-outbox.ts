import { OutboxMigration } from '#events';

/** The outbox of likes's events (events.likes.*); see libs/events outbox. */
export class CreateOutbox1765238400000 extends OutboxMigration {
  name = 'CreateOutbox1765238400000';
}
