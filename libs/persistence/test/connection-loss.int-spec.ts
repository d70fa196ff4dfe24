// PostgreSQL ending a connection while a replica holds it mid-transaction (a restart, an
// operator's pg_terminate_backend) must cost that request a 503, not the process: pg emits
// 'error' on a checked-out client, which would be an uncaught exception without our listener.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import { createLogger } from '#runtime';
import { classifyDatabaseError, createDataSource, inTransaction, openDatabase, pgPool } from '#persistence';
import { dropSchemas, freshSchema, sql, TEST_DATABASE_URL } from '#testing';

const schema = freshSchema('connloss');
let ds: DataSource;
const uncaught: unknown[] = [];
const onUncaught = (err: unknown) => uncaught.push(err);

beforeAll(async () => {
  ds = createDataSource({ url: TEST_DATABASE_URL, schema, entities: [], migrations: [], applicationName: schema });
  await sql(`CREATE SCHEMA "${schema}"`);
  await openDatabase(ds, { schema, logger: createLogger({ service: 'test', level: 'silent' }) });
  process.on('uncaughtException', onUncaught);
});
afterAll(async () => {
  process.off('uncaughtException', onUncaught);
  await ds?.destroy();
  await dropSchemas(schema);
});

describe('a connection lost mid-transaction', () => {
  it('fails that transaction as unavailable and leaves the process and the pool working', async () => {
    const attempt = inTransaction(pgPool(ds), {}, async (client) => {
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      // Another session ends this one while it sits between two statements.
      await sql('SELECT pg_terminate_backend($1)', [rows[0].pid]);
      await new Promise((r) => setTimeout(r, 200));
      await client.query('SELECT 1');
    });
    const err = await attempt.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).not.toBeNull();
    expect(classifyDatabaseError(err)?.code).toBe('unavailable');
    await new Promise((r) => setTimeout(r, 100));
    expect(uncaught).toEqual([]);
    // The broken client was discarded: the next transaction gets a working one.
    const ok = await inTransaction(pgPool(ds), {}, async (client) => (await client.query('SELECT 1 AS one')).rows);
    expect(ok).toEqual([{ one: 1 }]);
  });
});
