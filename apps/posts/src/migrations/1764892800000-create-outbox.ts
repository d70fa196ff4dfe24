import { OutboxMigration } from '#events';

/** The outbox of posts' events (posts.created, posts.deleted); see libs/persistence outbox. */
export class CreateOutbox1764892800000 extends OutboxMigration {
  name = 'CreateOutbox1764892800000';
}
