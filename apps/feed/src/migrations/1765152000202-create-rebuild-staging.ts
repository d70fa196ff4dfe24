import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '#persistence';

// Where a rebuild (feed.rebuild) puts what it read from the sources of truth — graph's follows,
// posts' posts, the users whose feeds it recomputes — so that comparing them with feed's own
// projections is SQL, not the rebuild's memory. Unlogged: a crash loses them, and a rebuild
// starts by emptying them anyway. One rebuild runs at a time (a session advisory lock).
export class CreateRebuildStaging1765152000202 implements MigrationInterface {
  name = 'CreateRebuildStaging1765152000202';

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`
      CREATE UNLOGGED TABLE ${s}.rebuild_edge (
        author_id uuid NOT NULL,
        follower_id uuid NOT NULL,
        version bigint NOT NULL,
        CONSTRAINT "PK_rebuild_edge" PRIMARY KEY (author_id, follower_id)
      )`);
    await q.query(`
      CREATE UNLOGGED TABLE ${s}.rebuild_post (
        post_id uuid NOT NULL,
        author_id uuid NOT NULL,
        created_at timestamptz(3) NOT NULL,
        CONSTRAINT "PK_rebuild_post" PRIMARY KEY (post_id)
      )`);
    await q.query(
      `CREATE INDEX "IDX_rebuild_post_author_created" ON ${s}.rebuild_post (author_id, created_at DESC, post_id DESC)`,
    );
    await q.query(`
      CREATE UNLOGGED TABLE ${s}.rebuild_user (
        user_id uuid NOT NULL,
        CONSTRAINT "PK_rebuild_user" PRIMARY KEY (user_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    for (const t of ['rebuild_user', 'rebuild_post', 'rebuild_edge']) await q.query(`DROP TABLE ${s}.${t}`);
  }
}
