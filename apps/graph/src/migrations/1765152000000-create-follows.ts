import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '#persistence';

// One row per follow. The primary key makes a second follow a no-op; the two indexes serve the
// followers and following pages (newest first) and the counts.
export class CreateFollows1765152000000 implements MigrationInterface {
  name = 'CreateFollows1765152000000';

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`
      CREATE TABLE ${s}.follow (
        follower_id uuid NOT NULL,
        followee_id uuid NOT NULL,
        follower_username varchar(32) NOT NULL,
        follower_display_name varchar(64) NOT NULL,
        followee_username varchar(32) NOT NULL,
        followee_display_name varchar(64) NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT "PK_follow" PRIMARY KEY (follower_id, followee_id),
        CONSTRAINT "CHK_follow_not_self" CHECK (follower_id <> followee_id)
      )`);
    await q.query(
      `CREATE INDEX "IDX_follow_followee_created" ON ${s}.follow (followee_username, created_at DESC, follower_id DESC)`,
    );
    await q.query(
      `CREATE INDEX "IDX_follow_follower_created" ON ${s}.follow (follower_username, created_at DESC, followee_id DESC)`,
    );
    await q.query(`CREATE INDEX "IDX_follow_followee_id" ON ${s}.follow (followee_id, follower_id)`);
    // Orders the changes of one follow for consumers, which may see them out of order.
    await q.query(`CREATE SEQUENCE ${s}.follow_version`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SEQUENCE ${schemaOf(q)}.follow_version`);
    await q.query(`DROP TABLE ${schemaOf(q)}.follow`);
  }
}
