import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '#persistence';

// Where a rebuild puts the mentions of the posts it read from posts (each post's mentioned
// users), so that the mention projection is rebuilt from the source of truth like the rest.
// Unlogged and emptied by every rebuild, as the other staging tables.
export class CreateRebuildMentions1765152000220 implements MigrationInterface {
  name = 'CreateRebuildMentions1765152000220';

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`
      CREATE UNLOGGED TABLE ${s}.rebuild_mention (
        post_id uuid NOT NULL,
        user_id uuid NOT NULL,
        author_id uuid NOT NULL,
        created_at timestamptz(3) NOT NULL,
        CONSTRAINT "PK_rebuild_mention" PRIMARY KEY (post_id, user_id)
      )`);
    await q.query(
      `CREATE INDEX "IDX_rebuild_mention_user_created" ON ${s}.rebuild_mention (user_id, created_at DESC, post_id DESC)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ${schemaOf(q)}.rebuild_mention`);
  }
}
