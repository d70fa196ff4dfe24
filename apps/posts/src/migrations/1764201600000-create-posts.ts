import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '#persistence';

export class CreatePosts1764201600000 implements MigrationInterface {
  name = 'CreatePosts1764201600000';

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`
      CREATE TABLE ${s}.post (
        id uuid NOT NULL,
        author_id uuid NOT NULL,
        author_username varchar(32) NOT NULL,
        author_display_name varchar(64) NOT NULL,
        text text NOT NULL,
        media_ids uuid[] NOT NULL DEFAULT '{}',
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT "PK_post" PRIMARY KEY (id)
      )`);
    await q.query(`CREATE INDEX "IDX_post_created" ON ${s}.post (created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX "IDX_post_author_created" ON ${s}.post (author_username, created_at DESC, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`DROP TABLE ${s}.post`);
  }
}
