import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '#persistence';

// `like` is an SQL keyword: the table name is quoted everywhere.
export class CreateLikes1764374400000 implements MigrationInterface {
  name = 'CreateLikes1764374400000';

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`
      CREATE TABLE ${s}."like" (
        post_id uuid NOT NULL,
        user_id uuid NOT NULL,
        username varchar(32) NOT NULL,
        display_name varchar(64) NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT "PK_like" PRIMARY KEY (post_id, user_id)
      )`);
    await q.query(`CREATE INDEX "IDX_like_post_created" ON ${s}."like" (post_id, created_at DESC, user_id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`DROP TABLE ${s}."like"`);
  }
}
