// A replica opening its database while PostgreSQL is unreachable (a forwarder to it, closed):
// it keeps trying, says why once (not once per retry), reports each failure to its caller (which
// announces it in the mesh), and opens by itself once the database answers.
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { createDataSource, describeDatabaseFailure, openDatabase, type DatabaseFailure } from '#persistence';
import { dropSchemas, freshSchema, tcpForwarder, type TcpForwarder } from '#testing';

const schema = freshSchema('opendb');
let db: TcpForwarder | undefined;

afterAll(async () => {
  await db?.close();
  await dropSchemas(schema);
});

describe('openDatabase with PostgreSQL unreachable', () => {
  it('warns once, reports every failed attempt, and opens by itself once the database answers', async () => {
    db = await tcpForwarder({ host: '127.0.0.1', port: 5432 });
    const lines: Array<{ level: number; msg: string; state?: string; attempts?: number }> = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l));
        done();
      },
    });
    const logger = pino({ level: 'debug' }, sink);
    const ds = createDataSource({
      url: `postgres://postgres:not-this@127.0.0.1:${db.port}/test`,
      schema,
      entities: [],
      migrations: [],
    });
    const failures: DatabaseFailure[] = [];
    const opened = openDatabase(ds, { schema, logger, maxBackoffMs: 400, onFailure: (f) => failures.push(f) });
    await expect.poll(() => failures.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(4);
    const state = `database 127.0.0.1:${db.port}/test unreachable: ECONNREFUSED 127.0.0.1:${db.port}`;
    expect(new Set(failures.map((f) => JSON.stringify(f)))).toEqual(
      new Set([JSON.stringify({ state, target: `127.0.0.1:${db.port}/test` })]),
    );
    await db.open();
    await opened;
    try {
      expect(ds.isInitialized).toBe(true);
      const warnings = lines.filter((l) => l.level === 40);
      expect(warnings).toEqual([
        expect.objectContaining({ msg: 'database not ready: retrying until it answers', state }),
      ]);
      expect(lines.filter((l) => l.level === 20).length).toBe(failures.length - 1);
      expect(lines.at(-1)).toMatchObject({ level: 30, msg: 'database ready', attempts: failures.length + 1 });
      expect(JSON.stringify(lines)).not.toContain('not-this');
    } finally {
      await ds.destroy();
    }
  }, 20_000);
});

describe('describeDatabaseFailure', () => {
  const ds = createDataSource({
    url: 'postgres://app:secret@db.internal:6543/failsoft',
    schema: 's',
    entities: [],
    migrations: [],
  });

  it('names the database by host:port/name, never the user or password', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:6543'), {
      code: 'ECONNREFUSED',
      address: '10.0.0.5',
      port: 6543,
    });
    expect(describeDatabaseFailure(refused, ds)).toEqual({
      state: 'database db.internal:6543/failsoft unreachable: ECONNREFUSED 10.0.0.5:6543',
      target: 'db.internal:6543/failsoft',
    });
  });

  it('says "not ready" with the server\'s words when PostgreSQL answers but refuses', () => {
    const missing = Object.assign(new Error('database "failsoft" does not exist'), { code: '3D000' });
    expect(describeDatabaseFailure(missing, ds).state).toBe(
      'database db.internal:6543/failsoft not ready: database "failsoft" does not exist',
    );
    const unknownHost = Object.assign(new Error('getaddrinfo ENOTFOUND db.internal'), {
      code: 'ENOTFOUND',
      hostname: 'db.internal',
    });
    expect(describeDatabaseFailure(unknownHost, ds).state).toBe(
      'database db.internal:6543/failsoft unreachable: ENOTFOUND db.internal',
    );
  });
});
