import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '#persistence';

/** `posts.list` by many author ids (a home feed built at read time) walks this index per author. */
export class IndexPostsByAuthorId1765152000100 implements MigrationInterface {
  name = 'IndexPostsByAuthorId1765152000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX IF NOT EXISTS "IDX_post_author_id_created" ON ${schemaOf(q)}.post (author_id, created_at DESC, id DESC)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ${schemaOf(q)}."IDX_post_author_id_created"`);
  }
}
