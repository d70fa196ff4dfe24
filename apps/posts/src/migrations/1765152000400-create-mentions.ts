import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '#persistence';

/**
 * Mentions: posts' own projection of identity's users (known_user, from
 * events.identity.users.created: a mention resolves without asking identity, so it works while
 * identity is down), each post's resolved mentions (post.mentions, what a Post shows), and one
 * row per mentioned user (post_mention) for `posts.list` by `mentioning`, newest first.
 */
export class CreateMentions1765152000400 implements MigrationInterface {
  name = 'CreateMentions1765152000400';

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`
      CREATE TABLE ${s}.known_user (
        id uuid NOT NULL,
        username varchar(32) NOT NULL,
        CONSTRAINT "PK_known_user" PRIMARY KEY (id),
        CONSTRAINT "UQ_known_user_username" UNIQUE (username)
      )`);
    await q.query(`ALTER TABLE ${s}.post ADD COLUMN mentions jsonb NOT NULL DEFAULT '[]'::jsonb`);
    await q.query(`
      CREATE TABLE ${s}.post_mention (
        post_id uuid NOT NULL,
        user_id uuid NOT NULL,
        created_at timestamptz(3) NOT NULL,
        CONSTRAINT "PK_post_mention" PRIMARY KEY (post_id, user_id),
        CONSTRAINT "FK_post_mention_post" FOREIGN KEY (post_id) REFERENCES ${s}.post (id) ON DELETE CASCADE
      )`);
    await q.query(
      `CREATE INDEX "IDX_post_mention_user_created" ON ${s}.post_mention (user_id, created_at DESC, post_id DESC)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`DROP TABLE ${s}.post_mention`);
    await q.query(`ALTER TABLE ${s}.post DROP COLUMN mentions`);
    await q.query(`DROP TABLE ${s}.known_user`);
  }
}
