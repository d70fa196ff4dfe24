import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '#persistence';

// Each follow keeps the version of the change that made it (the one its events.graph.followed
// carried), so `graph.edges` can page every follow in version order and a feed rebuilt from it
// compares versions with the events still in flight. Follows made before this migration draw a
// fresh version now: greater than any event already published, which is right, since the follow
// holds (an older event about it is overtaken by what graph says today).
export class AddFollowVersion1765152000004 implements MigrationInterface {
  name = 'AddFollowVersion1765152000004';

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`ALTER TABLE ${s}.follow ADD COLUMN version bigint`);
    await q.query(`UPDATE ${s}.follow SET version = nextval('${s}.follow_version')`);
    await q.query(`ALTER TABLE ${s}.follow ALTER COLUMN version SET NOT NULL, ALTER COLUMN version SET DEFAULT 0`);
    await q.query(`CREATE INDEX "IDX_follow_version" ON ${s}.follow (version)`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`DROP INDEX ${s}."IDX_follow_version"`);
    await q.query(`ALTER TABLE ${s}.follow DROP COLUMN version`);
  }
}
