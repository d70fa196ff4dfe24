import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '#persistence';

/**
 * Who each post mentions (events.posts.created's `mentions`): a mentioned post is in that user's
 * feed whether or not they follow its author, stays there when they unfollow the author, and
 * goes into a feed built on first read. Per user, the newest FEED_MAX_ITEMS are kept.
 */
export class CreateMentions1765152000210 implements MigrationInterface {
  name = 'CreateMentions1765152000210';

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`
      CREATE TABLE ${s}.mention (
        post_id uuid NOT NULL,
        user_id uuid NOT NULL,
        author_id uuid NOT NULL,
        created_at timestamptz(3) NOT NULL,
        CONSTRAINT "PK_mention" PRIMARY KEY (post_id, user_id)
      )`);
    await q.query(`CREATE INDEX "IDX_mention_user_created" ON ${s}.mention (user_id, created_at DESC, post_id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ${schemaOf(q)}.mention`);
  }
}
