// Idempotent writes against a real PostgreSQL: one effect per key, the first reply on every
// repeat, 422 for another request under the key, 409 while it is held, and nothing stored when
// the work fails.
import { randomUUID } from 'node:crypto';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import type { DataSource } from 'typeorm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes, MeshError } from '#contracts';
import { createLogger } from '#runtime';
import {
  classifyDatabaseError,
  createDataSource,
  IdempotencyKeysMigration,
  IdempotentWrites,
  migrateWithLock,
  requestHash,
  schemaOf,
  stableJson,
  type WriteTransaction,
} from '#persistence';
import { dropSchemas, freshSchema, sql, TEST_DATABASE_URL } from '#testing';

class CreateThing1700000000000 implements MigrationInterface {
  name = 'CreateThing1700000000000';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE ${schemaOf(q)}.thing (id uuid PRIMARY KEY, label text NOT NULL)`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ${schemaOf(q)}.thing`);
  }
}
class CreateIdempotencyKeys1700000000001 extends IdempotencyKeysMigration {
  name = 'CreateIdempotencyKeys1700000000001';
}

const schema = freshSchema('idem');
let ds: DataSource;
let writes: IdempotentWrites;
const user = '11111111-1111-4111-8111-111111111111';
const other = '22222222-2222-4222-8222-222222222222';

beforeAll(async () => {
  ds = createDataSource({
    url: TEST_DATABASE_URL,
    schema,
    entities: [],
    migrations: [CreateThing1700000000000, CreateIdempotencyKeys1700000000001],
  });
  await ds.initialize();
  await migrateWithLock(ds, schema, createLogger({ service: 'test', level: 'silent' }));
  writes = new IdempotentWrites(ds);
});
afterAll(async () => {
  await ds?.destroy();
  await dropSchemas(schema);
});

const things = async (label: string) =>
  Number((await sql<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".thing WHERE label = $1`, [label]))[0].n);
const keyRows = (key: string) =>
  sql<{ scope: string; operation: string; reply: unknown }>(
    `SELECT scope, operation, reply FROM "${schema}".idempotency_key WHERE key = $1`,
    [key],
  );

/** The write under test: one row, its id in the reply. */
function insertThing(label: string, o: { sleepMs?: number } = {}) {
  return async (tx: WriteTransaction) => {
    const id = randomUUID();
    await tx.db.query(`INSERT INTO "${schema}".thing (id, label) VALUES ($1, $2)`, [id, label]);
    if (o.sleepMs) await tx.db.query('SELECT pg_sleep($1)', [o.sleepMs / 1000]);
    return { id, label };
  };
}

async function failure(p: Promise<unknown>): Promise<MeshError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof MeshError) return err;
    throw err;
  }
  throw new Error('expected a MeshError');
}

describe('IdempotentWrites.run', () => {
  it('runs a key once: the repeat gets the first reply and writes nothing', async () => {
    const key = randomUUID();
    const req = { scope: user, key, operation: 'things.create', request: { label: 'once' } };
    const first = await writes.run(req, insertThing('once'));
    const again = await writes.run(req, insertThing('once'));
    expect(again).toEqual(first);
    expect(await things('once')).toBe(1);
    expect(await keyRows(key)).toEqual([{ scope: user, operation: 'things.create', reply: first }]);
  });

  it('answers the same request in any key order as the same, and another request under the key 422', async () => {
    const key = randomUUID();
    const first = await writes.run(
      { scope: user, key, operation: 'things.create', request: { label: 'a', n: 1 } },
      insertThing('mismatch'),
    );
    expect(
      await writes.run(
        { scope: user, key, operation: 'things.create', request: { n: 1, label: 'a' } },
        insertThing('mismatch'),
      ),
    ).toEqual(first);
    const otherBody = await failure(
      writes.run({ scope: user, key, operation: 'things.create', request: { label: 'b', n: 1 } }, insertThing('x')),
    );
    expect([otherBody.code, otherBody.message]).toEqual([
      ErrorCodes.idempotencyMismatch,
      'This Idempotency-Key was already used for a different request; use a new key for a new request.',
    ]);
    const otherOperation = await failure(
      writes.run({ scope: user, key, operation: 'things.delete', request: { label: 'a', n: 1 } }, insertThing('x')),
    );
    expect(otherOperation.code).toBe(ErrorCodes.idempotencyMismatch);
    expect(await things('mismatch')).toBe(1);
    expect(await things('x')).toBe(0);
  });

  it('keeps keys per scope: another user with the same key is another request', async () => {
    const key = randomUUID();
    const request = { label: 'scoped' };
    const a = await writes.run({ scope: user, key, operation: 'things.create', request }, insertThing('scoped'));
    const b = await writes.run({ scope: other, key, operation: 'things.create', request }, insertThing('scoped'));
    expect(a.id).not.toBe(b.id);
    expect(await things('scoped')).toBe(2);
  });

  it('10 at once with one key: exactly one row, every answer the first reply (or 409 while it ran)', async () => {
    const key = randomUUID();
    const req = { scope: user, key, operation: 'things.create', request: { label: 'parallel' } };
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, () => writes.run(req, insertThing('parallel', { sleepMs: 150 }))),
    );
    expect(await things('parallel')).toBe(1);
    const stored = (await keyRows(key))[0].reply;
    for (const o of outcomes) {
      if (o.status === 'fulfilled') expect(o.value).toEqual(stored);
      else
        expect([(o.reason as MeshError).code, (o.reason as MeshError).message]).toEqual([
          ErrorCodes.conflict,
          'a request with this Idempotency-Key is still in progress',
        ]);
    }
    expect(outcomes.filter((o) => o.status === 'fulfilled').length).toBeGreaterThanOrEqual(1);
  });

  it('answers 409 while another transaction holds the key longer than the lock timeout', async () => {
    const quick = new IdempotentWrites(ds, { lockTimeoutMs: 200 });
    const key = randomUUID();
    const req = { scope: user, key, operation: 'things.create', request: { label: 'held' } };
    const slow = quick.run(req, insertThing('held', { sleepMs: 1500 }));
    await new Promise((r) => setTimeout(r, 200)); // the slow one has claimed the key
    const started = Date.now();
    const err = await failure(quick.run(req, insertThing('held')));
    expect(err.code).toBe(ErrorCodes.conflict);
    expect(Date.now() - started).toBeLessThan(1000);
    const first = await slow;
    expect(await quick.run(req, insertThing('held'))).toEqual(first);
    expect(await things('held')).toBe(1);
  });

  it('treats a key older than 24 h as absent: the request runs again', async () => {
    const key = randomUUID();
    const req = { scope: user, key, operation: 'things.create', request: { label: 'expired' } };
    const first = await writes.run(req, insertThing('expired'));
    await sql(`UPDATE "${schema}".idempotency_key SET created_at = now() - interval '25 hours' WHERE key = $1`, [key]);
    const second = await writes.run(req, insertThing('expired'));
    expect(second.id).not.toBe(first.id);
    expect(await things('expired')).toBe(2);
    // The expired row was taken over, with a fresh time: the next repeat replays the second.
    expect(await writes.run(req, insertThing('expired'))).toEqual(second);
    const fresh = await sql<{ recent: boolean }>(
      `SELECT created_at > now() - interval '1 minute' AS recent FROM "${schema}".idempotency_key WHERE key = $1`,
      [key],
    );
    expect(fresh).toEqual([{ recent: true }]);
  });

  it('stores nothing when the work throws: no row, no key, and the retry runs afresh', async () => {
    const key = randomUUID();
    const req = { scope: user, key, operation: 'things.create', request: { label: 'fails' } };
    const err = await failure(
      writes.run(req, async (tx) => {
        await insertThing('fails')(tx);
        throw new MeshError(ErrorCodes.notFound, 'no such thing');
      }),
    );
    expect(err.code).toBe(ErrorCodes.notFound);
    expect(await things('fails')).toBe(0);
    expect(await keyRows(key)).toEqual([]);
    await writes.run(req, insertThing('fails'));
    expect(await things('fails')).toBe(1);
  });

  it('passes a database error through as it is (the mesh classifies it)', async () => {
    const err = await writes
      .run({ scope: user, key: randomUUID(), operation: 'things.create', request: {} }, async (tx) => {
        await tx.db.query(`INSERT INTO "${schema}".thing (id, label) VALUES ('not-a-uuid', 'x')`);
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(pg.DatabaseError);
    expect((err as pg.DatabaseError).code).toBe('22P02');
  });

  it('leaves a database it cannot reach to the usual classification: unavailable (503)', async () => {
    // A data source whose pool points at a port nobody listens on.
    const pool = new pg.Pool({ host: '127.0.0.1', port: 1, connectionTimeoutMillis: 500 });
    const unreachable = new IdempotentWrites({
      driver: { master: pool },
      options: { schema },
    } as unknown as DataSource);
    try {
      for (const key of [randomUUID(), undefined]) {
        const err = await unreachable
          .run({ scope: user, key, operation: 'things.create', request: {} }, insertThing('unreachable'))
          .catch((e: unknown) => e);
        expect(classifyDatabaseError(err)?.code).toBe(ErrorCodes.unavailable);
      }
    } finally {
      await pool.end();
    }
  });

  it('without a key, runs the work in a plain transaction and stores no key', async () => {
    const before = await sql<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".idempotency_key`);
    const req = { scope: user, key: undefined, operation: 'things.create', request: { label: 'unkeyed' } };
    await writes.run(req, insertThing('unkeyed'));
    await writes.run(req, insertThing('unkeyed'));
    expect(await things('unkeyed')).toBe(2);
    expect(await sql(`SELECT count(*) AS n FROM "${schema}".idempotency_key`)).toEqual(before);
    await failure(
      writes.run(req, async (tx) => {
        await insertThing('unkeyed-rollback')(tx);
        throw new MeshError(ErrorCodes.forbidden, 'no');
      }),
    );
    expect(await things('unkeyed-rollback')).toBe(0);
  });

  it('runs afterCommit hooks once committed, never on a rollback or a replay', async () => {
    const calls: string[] = [];
    const key = randomUUID();
    const req = { scope: user, key, operation: 'things.create', request: { label: 'hooks' } };
    const work = async (tx: WriteTransaction) => {
      const r = await insertThing('hooks')(tx);
      tx.afterCommit(() => calls.push(r.id));
      return r;
    };
    const first = await writes.run(req, work);
    await writes.run(req, work);
    await failure(
      writes.run({ ...req, key: randomUUID() }, async (tx) => {
        await insertThing('hooks-rolled-back')(tx);
        tx.afterCommit(() => calls.push('rolled back'));
        throw new MeshError(ErrorCodes.invalid, 'no');
      }),
    );
    expect(calls).toEqual([first.id]);
  });

  it('refuses a key longer than 255 characters before touching anything', async () => {
    const err = await failure(
      writes.run({ scope: user, key: 'k'.repeat(256), operation: 'things.create', request: {} }, insertThing('long')),
    );
    expect([err.code, err.errors]).toEqual([
      ErrorCodes.invalid,
      [{ field: 'Idempotency-Key', message: 'must be 1-255 characters' }],
    ]);
    expect(await things('long')).toBe(0);
  });
});

describe('IdempotentWrites.sweep', () => {
  it('deletes keys older than 24 h and keeps the rest', async () => {
    const old = randomUUID();
    const recent = randomUUID();
    await writes.run({ scope: user, key: old, operation: 'things.create', request: {} }, insertThing('sweep'));
    await writes.run({ scope: user, key: recent, operation: 'things.create', request: {} }, insertThing('sweep'));
    await sql(`UPDATE "${schema}".idempotency_key SET created_at = now() - interval '25 hours' WHERE key = $1`, [old]);
    expect(await writes.sweep()).toBeGreaterThanOrEqual(1);
    expect(await keyRows(old)).toEqual([]);
    expect(await keyRows(recent)).toHaveLength(1);
  });

  it('is scheduled on module init and stopped on destroy', async () => {
    const w = new IdempotentWrites(ds);
    w.onModuleInit();
    await w.onModuleDestroy();
    // Nothing left running: a pending timer would keep a reference here.
    expect((w as unknown as { sweepTimer?: unknown }).sweepTimer).toBeUndefined();
  });
});

describe('request hashing', () => {
  it('is stable under key order and tells operations and values apart', () => {
    expect(stableJson({ b: [1, { d: 2, c: undefined, a: 'x' }], a: null })).toBe('{"a":null,"b":[1,{"a":"x","d":2}]}');
    expect(requestHash('posts.create', { a: 1, b: 2 })).toBe(requestHash('posts.create', { b: 2, a: 1 }));
    expect(requestHash('posts.create', { a: 1 })).not.toBe(requestHash('posts.delete', { a: 1 }));
    expect(requestHash('posts.create', { a: 1 })).not.toBe(requestHash('posts.create', { a: '1' }));
  });
});
