import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '#persistence';

/**
 * Posts deleted (events.posts.deleted), kept so that a like racing the delete cannot outlive it:
 * a like that passed posts' existence check just before the delete still finds the tombstone
 * under the post's lock (likes.repository.ts).
 */
export class CreateDeletedPosts1764892800000 implements MigrationInterface {
  name = 'CreateDeletedPosts1764892800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ${schemaOf(q)}.deleted_post (
        post_id uuid NOT NULL,
        deleted_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "PK_deleted_post" PRIMARY KEY (post_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ${schemaOf(q)}.deleted_post`);
  }
}
