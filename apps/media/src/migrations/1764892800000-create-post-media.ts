import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '#persistence';

/**
 * Which posts use which uploads, learnt from posts' events: one row per post with media,
 * `released_at` set once the post is deleted (its references released). A released row stays as
 * the post's tombstone, so a posts.created that arrives after the posts.deleted (the two
 * subjects have separate consumers; their order is not guaranteed) cannot bring it back.
 */
export class CreatePostMedia1764892800000 implements MigrationInterface {
  name = 'CreatePostMedia1764892800000';

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`
      CREATE TABLE ${s}.post_media (
        post_id uuid NOT NULL,
        media_ids uuid[] NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        released_at timestamptz,
        CONSTRAINT "PK_post_media" PRIMARY KEY (post_id)
      )`);
    // "Which live posts use this upload?" (a future sweep of unused uploads asks it).
    await q.query(
      `CREATE INDEX "IDX_post_media_live_media" ON ${s}.post_media USING gin (media_ids) WHERE released_at IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ${schemaOf(q)}.post_media`);
  }
}
