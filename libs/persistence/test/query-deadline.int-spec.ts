// An expired request is not executed: the check before each query (checkQueryDeadlines) keeps
// its statements from ever reaching PostgreSQL — shown by a counter row in the real database —
// through TypeORM and the raw pool alike, including a query that waited for a free connection,
// and without leaving a connection inside a transaction.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryFailedError, type DataSource } from 'typeorm';
import pino from 'pino';
import { ErrorCodes } from '#contracts';
import { deadlineCounters, requestContext } from '#runtime';
import { classifyDatabaseError, createDataSource, openDatabase, pgPool, QueryDeadlineExpired } from '#persistence';
import { dropSchemas, freshSchema, sql, TEST_DATABASE_URL } from '#testing';

const schema = freshSchema('qdeadline');
const table = `"${schema}".hits`;
let ds: DataSource;

/** The counter as PostgreSQL has it, read on a connection of its own. */
const hits = async () => Number((await sql<{ n: number }>(`SELECT n FROM ${table}`))[0].n);
const bump = `UPDATE ${table} SET n = n + 1`;
const expired = <T>(fn: () => Promise<T>) => requestContext.run({ requestId: 'late', deadline: Date.now() - 5 }, fn);
const live = <T>(fn: () => Promise<T>) => requestContext.run({ requestId: 'live', deadline: Date.now() + 5000 }, fn);

beforeAll(async () => {
  ds = createDataSource({ url: TEST_DATABASE_URL, schema, entities: [], migrations: [], poolSize: 2 });
  await sql(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  await sql(`CREATE TABLE ${table} (n int NOT NULL)`);
  await sql(`INSERT INTO ${table} VALUES (0)`);
  await openDatabase(ds, { schema, logger: pino({ level: 'silent' }) });
});

afterAll(async () => {
  await ds?.destroy();
  await dropSchemas(schema);
});

describe('a query whose request deadline has passed', () => {
  it('is not sent through TypeORM: a typed error, counted, classified as a timeout', async () => {
    const before = deadlineCounters.expiredBeforeQuery;
    const err = await expired(() => ds.query(bump)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueryFailedError);
    expect((err as QueryFailedError).driverError).toBeInstanceOf(QueryDeadlineExpired);
    expect(classifyDatabaseError(err)?.code).toBe(ErrorCodes.timeout);
    expect(deadlineCounters.expiredBeforeQuery).toBe(before + 1);
    expect(await hits()).toBe(0);
  });

  it('is not sent through the raw pool either (named statements included)', async () => {
    const pool = pgPool(ds);
    await expect(expired(() => pool.query(bump))).rejects.toBeInstanceOf(QueryDeadlineExpired);
    await expect(expired(() => pool.query({ name: 'bump', text: bump }))).rejects.toBeInstanceOf(QueryDeadlineExpired);
    expect(await hits()).toBe(0);
  });

  it('runs while the deadline holds, and with no deadline at all (migrations, background work)', async () => {
    await live(() => ds.query(bump));
    await pgPool(ds).query(bump);
    expect(await hits()).toBe(2);
  });

  it("is judged by its own request's deadline when it waited for a connection another request freed", async () => {
    const runners = [ds.createQueryRunner(), ds.createQueryRunner()];
    // The pool's two connections, held by a live request (migrations need two: one holds the lock).
    await live(async () => {
      for (const r of runners) {
        await r.connect();
        await r.query('SELECT 1');
      }
    });
    const waiting = expired(() => pgPool(ds).query(bump)).catch((e: unknown) => e);
    const alsoWaiting = live(() => pgPool(ds).query(bump));
    await new Promise((r) => setTimeout(r, 50));
    await live(() => runners[0].release());
    expect(await waiting).toBeInstanceOf(QueryDeadlineExpired);
    await alsoWaiting;
    await runners[1].release();
    expect(await hits()).toBe(3);
    // The refused query did not cost the pool its connection.
    expect(pgPool(ds).totalCount).toBe(2);
  });

  it('ends a transaction whose deadline passed mid-way by rolling it back, leaving the connection clean', async () => {
    const err = await requestContext
      .run({ requestId: 'slow', deadline: Date.now() + 150 }, () =>
        ds.transaction(async (m) => {
          await m.query(bump);
          await new Promise((r) => setTimeout(r, 250));
          await m.query(bump);
        }),
      )
      .catch((e: unknown) => e);
    expect((err as QueryFailedError).driverError).toBeInstanceOf(QueryDeadlineExpired);
    expect(await hits()).toBe(3);
    const [state] = await pgPool(ds)
      .query<{ s: string }>('SELECT current_setting($1) AS s', ['transaction_isolation'])
      .then((r) => r.rows);
    expect(state.s).toBe('read committed');
    await live(() => ds.query(bump));
    expect(await hits()).toBe(4);
  });
});
