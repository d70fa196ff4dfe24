import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '#persistence';

// feed's own projections, from events only: who follows whom (with the version of the last
// change, since a follow and its unfollow may be handled in either order), each author's recent
// posts (to back-fill a new follower's feed), and the feeds themselves with their sizes.
export class CreateFeeds1765152000200 implements MigrationInterface {
  name = 'CreateFeeds1765152000200';

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`
      CREATE TABLE ${s}.follow_edge (
        author_id uuid NOT NULL,
        follower_id uuid NOT NULL,
        following boolean NOT NULL,
        version bigint NOT NULL,
        CONSTRAINT "PK_follow_edge" PRIMARY KEY (author_id, follower_id)
      )`);
    await q.query(
      `CREATE INDEX "IDX_follow_edge_follower" ON ${s}.follow_edge (follower_id, author_id) WHERE following`,
    );
    await q.query(`
      CREATE TABLE ${s}.author_post (
        post_id uuid NOT NULL,
        author_id uuid NOT NULL,
        created_at timestamptz(3) NOT NULL,
        CONSTRAINT "PK_author_post" PRIMARY KEY (post_id)
      )`);
    await q.query(
      `CREATE INDEX "IDX_author_post_author_created" ON ${s}.author_post (author_id, created_at DESC, post_id DESC)`,
    );
    await q.query(`
      CREATE TABLE ${s}.feed_item (
        user_id uuid NOT NULL,
        post_id uuid NOT NULL,
        author_id uuid NOT NULL,
        created_at timestamptz(3) NOT NULL,
        CONSTRAINT "PK_feed_item" PRIMARY KEY (user_id, post_id)
      )`);
    await q.query(
      `CREATE INDEX "IDX_feed_item_user_created" ON ${s}.feed_item (user_id, created_at DESC, post_id DESC)`,
    );
    await q.query(`CREATE INDEX "IDX_feed_item_post" ON ${s}.feed_item (post_id)`);
    await q.query(`
      CREATE TABLE ${s}.feed_size (
        user_id uuid NOT NULL,
        size integer NOT NULL,
        CONSTRAINT "PK_feed_size" PRIMARY KEY (user_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    for (const t of ['feed_size', 'feed_item', 'author_post', 'follow_edge']) await q.query(`DROP TABLE ${s}.${t}`);
  }
}
