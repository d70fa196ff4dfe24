import { OutboxMigration } from '#events';

/** The outbox of comments's events (events.comments.*); see libs/events outbox. */
export class CreateOutbox1765238400000 extends OutboxMigration {
  name = 'CreateOutbox1765238400000';
}
