import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '#persistence';

// Orders the changes of one like for consumers (events.likes.liked / unliked), which may see
// them out of order.
export class CreateLikeVersion1765238400002 implements MigrationInterface {
  name = 'CreateLikeVersion1765238400002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SEQUENCE ${schemaOf(q)}.like_version`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SEQUENCE ${schemaOf(q)}.like_version`);
  }
}
