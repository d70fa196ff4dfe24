import { OutboxMigration } from '#events';

/** The outbox of identity's events (sessions revoked, users created); see libs/events outbox. */
export class CreateOutbox1765152000001 extends OutboxMigration {
  name = 'CreateOutbox1765152000001';
}
