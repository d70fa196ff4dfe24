import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '#persistence';

export class CreateComments1764374400000 implements MigrationInterface {
  name = 'CreateComments1764374400000';

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`
      CREATE TABLE ${s}.comment (
        id uuid NOT NULL,
        post_id uuid NOT NULL,
        author_id uuid NOT NULL,
        author_username varchar(32) NOT NULL,
        author_display_name varchar(64) NOT NULL,
        text text NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT "PK_comment" PRIMARY KEY (id)
      )`);
    // Serves a post's page (oldest first, keyset on created_at, id) and the per-post counts.
    await q.query(`CREATE INDEX "IDX_comment_post_created" ON ${s}.comment (post_id, created_at, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`DROP TABLE ${s}.comment`);
  }
}
