import { OutboxMigration } from '#events';

/** The outbox of graph's events (graph.followed, graph.unfollowed); see libs/events outbox. */
export class CreateOutbox1765152000002 extends OutboxMigration {
  name = 'CreateOutbox1765152000002';
}
