import { TombstonesMigration } from '#persistence';

/**
 * Posts deleted (events.posts.deleted), kept so that a created event handled after the delete
 * (each subject has its own consumer) puts nothing back (libs/persistence tombstones.ts).
 */
export class CreateDeletedPosts1765152000201 extends TombstonesMigration {
  name = 'CreateDeletedPosts1765152000201';
}
