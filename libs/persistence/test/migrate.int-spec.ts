// Replicas starting together migrate one at a time under the advisory lock: the schema is
// created once, each migration applied once, and nobody fails on a half-made table.
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '#runtime';
import { createDataSource, migrateWithLock, schemaOf } from '#persistence';
import { dropSchemas, freshSchema, sql, TEST_DATABASE_URL } from '#testing';

class CreateThing1700000000000 implements MigrationInterface {
  name = 'CreateThing1700000000000';
  async up(q: QueryRunner): Promise<void> {
    // Slow on purpose: without the lock, a second replica would try the same DDL meanwhile.
    await q.query('SELECT pg_sleep(0.2)');
    await q.query(`CREATE TABLE ${schemaOf(q)}.thing (id int PRIMARY KEY)`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ${schemaOf(q)}.thing`);
  }
}

const schema = freshSchema('migrate');
afterAll(() => dropSchemas(schema));

describe('migrateWithLock', () => {
  it('lets four replicas start at once and applies each migration exactly once', async () => {
    const logger = createLogger({ service: 'test', level: 'silent' });
    const sources = Array.from({ length: 4 }, () =>
      createDataSource({ url: TEST_DATABASE_URL, schema, entities: [], migrations: [CreateThing1700000000000] }),
    );
    await Promise.all(sources.map((ds) => ds.initialize()));
    try {
      const applied = await Promise.all(sources.map((ds) => migrateWithLock(ds, schema, logger)));
      expect(applied.flat()).toEqual(['CreateThing1700000000000']);
      const rows = await sql<{ name: string }>(`SELECT name FROM "${schema}".migrations`);
      expect(rows).toEqual([{ name: 'CreateThing1700000000000' }]);
      const tables = await sql<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1`,
        [schema],
      );
      expect(tables.map((t) => t.table_name)).toEqual(['migrations', 'thing']);
    } finally {
      await Promise.all(sources.map((ds) => ds.destroy()));
    }
  });
});
