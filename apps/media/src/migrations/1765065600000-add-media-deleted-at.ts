import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '#persistence';

/**
 * When an upload was deleted: set once the last live post using it is deleted (events.posts.deleted),
 * and its objects are removed from the bucket. A deleted upload answers not_found to media.get and
 * is left out of media.resolve; the row stays, so a late or repeated event changes nothing.
 */
export class AddMediaDeletedAt1765065600000 implements MigrationInterface {
  name = 'AddMediaDeletedAt1765065600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ${schemaOf(q)}.media ADD COLUMN deleted_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ${schemaOf(q)}.media DROP COLUMN deleted_at`);
  }
}
