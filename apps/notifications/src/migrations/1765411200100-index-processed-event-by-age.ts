import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '#persistence';

// The claims of handled events are pruned by age (ClaimPruner): without an index each prune
// would scan a week of claims.
export class IndexProcessedEventByAge1765411200100 implements MigrationInterface {
  name = 'IndexProcessedEventByAge1765411200100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX "IDX_processed_event_processed_at" ON ${schemaOf(q)}.processed_event (processed_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ${schemaOf(q)}."IDX_processed_event_processed_at"`);
  }
}
