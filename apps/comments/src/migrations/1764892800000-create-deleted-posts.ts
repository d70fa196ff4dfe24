import { TombstonesMigration } from '#persistence';

/**
 * Posts deleted (events.posts.deleted), kept so that a comment racing the delete cannot outlive it
 * (libs/persistence tombstones.ts).
 */
export class CreateDeletedPosts1764892800000 extends TombstonesMigration {
  name = 'CreateDeletedPosts1764892800000';
}
