// provisionServiceRoles against the real server: a schema (and what is in it) that the
// administrator owned is handed to the service's role, which can then migrate and write there
// and nowhere else — not in another service's schema, not in public. Roles here have a per-run
// prefix and are dropped at the end (the meshes' `failsoft_<service>` roles are shared).
import { randomBytes } from 'node:crypto';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '#runtime';
import {
  createDataSource,
  migrateWithLock,
  provisionServiceRoles,
  roleDatabaseUrl,
  schemaOf,
  serviceRoleName,
  ServiceRoleError,
} from '#persistence';
import { asRole, dropSchemas, freshSchema, sql, TEST_DATABASE_URL } from '#testing';

const prefix = `t_${randomBytes(4).toString('hex')}_`;
const a = { role: serviceRoleName('alpha', prefix), schema: freshSchema('alpha') };
const b = { role: serviceRoleName('beta', prefix), schema: freshSchema('beta') };
const publicTable = `${prefix}public_thing`;

const as = (role: string, text: string) => asRole(role, text);
const denied = (message: string) => ({ code: '42501', message });

beforeAll(async () => {
  // What a database from before looks like: the schema and its objects the administrator's.
  await sql(`CREATE SCHEMA "${b.schema}"`);
  await sql(`CREATE TABLE "${b.schema}".thing (id serial PRIMARY KEY, secret text)`);
  await sql(`INSERT INTO "${b.schema}".thing (secret) VALUES ('hash')`);
  await sql(`CREATE VIEW "${b.schema}".thing_view AS SELECT id FROM "${b.schema}".thing`);
  await sql(`CREATE SEQUENCE "${b.schema}".counter`);
  await sql(`CREATE TYPE "${b.schema}".mood AS ENUM ('ok')`);
  await sql(`CREATE FUNCTION "${b.schema}".one() RETURNS int LANGUAGE sql AS 'SELECT 1'`);
  await sql(`GRANT USAGE ON SCHEMA "${b.schema}" TO PUBLIC`);
  await sql(`GRANT SELECT ON "${b.schema}".thing TO PUBLIC`);
  await sql(`CREATE TABLE public."${publicTable}" (id int)`);
  await provisionServiceRoles(TEST_DATABASE_URL, [a, b]);
});

afterAll(async () => {
  await dropSchemas(a.schema, b.schema);
  await sql(`DROP TABLE IF EXISTS public."${publicTable}"`);
  for (const r of [a.role, b.role]) {
    await sql(`DROP OWNED BY "${r}"`).catch(() => undefined);
    await sql(`DROP ROLE IF EXISTS "${r}"`);
  }
});

class CreateItem1700000000000 implements MigrationInterface {
  name = 'CreateItem1700000000000';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE ${schemaOf(q)}.item (id int PRIMARY KEY)`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ${schemaOf(q)}.item`);
  }
}

describe('provisionServiceRoles', () => {
  it('hands an existing schema and everything in it to the role, and takes PUBLIC grants away', async () => {
    const owners = await sql<{ what: string; owner: string }>(
      `SELECT 'schema' AS what, pg_get_userbyid(nspowner) AS owner FROM pg_namespace WHERE nspname = $1
       UNION ALL SELECT c.relkind::text || ':' || c.relname, pg_get_userbyid(c.relowner) FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r', 'v', 'S', 'i')
       UNION ALL SELECT 'type:' || t.typname, pg_get_userbyid(t.typowner) FROM pg_type t
         JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = $1 AND t.typtype = 'e'
       UNION ALL SELECT 'function:' || p.proname, pg_get_userbyid(p.proowner) FROM pg_proc p
         JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1
       ORDER BY 1`,
      [b.schema],
    );
    expect(owners).toEqual(
      [
        'S:counter',
        'S:thing_id_seq',
        'function:one',
        'i:thing_pkey',
        'r:thing',
        'schema',
        'type:mood',
        'v:thing_view',
      ].map((what) => ({ what, owner: b.role })),
    );
    // The PUBLIC grants are gone: the other role is refused at the schema.
    expect(await as(a.role, `SELECT secret FROM "${b.schema}".thing`)).toEqual(
      denied(`permission denied for schema ${b.schema}`),
    );
  });

  it('lets the role migrate its own schema and read and write its own tables', async () => {
    const ds = createDataSource({
      url: roleDatabaseUrl(TEST_DATABASE_URL, b.role),
      schema: b.schema,
      entities: [],
      migrations: [CreateItem1700000000000],
    });
    await ds.initialize();
    try {
      expect(await migrateWithLock(ds, b.schema, createLogger({ service: 'test', level: 'silent' }))).toEqual([
        'CreateItem1700000000000',
      ]);
    } finally {
      await ds.destroy();
    }
    expect(await as(b.role, `INSERT INTO "${b.schema}".item VALUES (1) RETURNING id`)).toEqual({ rows: [{ id: 1 }] });
    expect(await as(b.role, `INSERT INTO "${b.schema}".thing (secret) VALUES ('x') RETURNING id`)).toEqual({
      rows: [{ id: 2 }],
    });
    expect(await as(b.role, `SELECT count(*)::int AS n FROM "${b.schema}".thing_view`)).toEqual({ rows: [{ n: 2 }] });
    expect(await as(a.role, `CREATE TABLE "${a.schema}".mine (id int)`)).toEqual({ rows: [] });
  });

  it("refuses another service's schema (read, write, create), public, and new schemas", async () => {
    const other = `"${b.schema}"`;
    expect(await as(a.role, `SELECT * FROM ${other}.thing`)).toEqual(
      denied(`permission denied for schema ${b.schema}`),
    );
    expect(await as(a.role, `INSERT INTO ${other}.thing (secret) VALUES ('x')`)).toEqual(
      denied(`permission denied for schema ${b.schema}`),
    );
    expect(await as(a.role, `CREATE TABLE ${other}.planted (id int)`)).toEqual(
      denied(`permission denied for schema ${b.schema}`),
    );
    expect(await as(a.role, `CREATE TABLE public.planted (id int)`)).toEqual(
      denied('permission denied for schema public'),
    );
    expect(await as(a.role, `SELECT * FROM public."${publicTable}"`)).toEqual(
      denied(`permission denied for table ${publicTable}`),
    );
    expect(await as(a.role, `CREATE SCHEMA planted`)).toEqual(denied('permission denied for database test'));
  });

  it('is idempotent, also when several run at once', async () => {
    await Promise.all([1, 2, 3].map(() => provisionServiceRoles(TEST_DATABASE_URL, [a, b])));
    expect(await as(a.role, `SELECT * FROM "${b.schema}".thing`)).toMatchObject({ code: '42501' });
  });

  it('lets the role connect to a database that took CONNECT away from PUBLIC', async () => {
    const database = `${prefix}closed`;
    await sql(`CREATE DATABASE "${database}"`);
    try {
      await sql(`REVOKE CONNECT ON DATABASE "${database}" FROM PUBLIC`);
      const url = new URL(TEST_DATABASE_URL);
      url.pathname = `/${database}`;
      expect(await asRole(a.role, 'SELECT 1 AS one', url.toString()).catch((e: Error) => e.message)).toBe(
        `permission denied for database "${database}"`,
      );
      await provisionServiceRoles(url.toString(), [{ role: a.role, schema: 'alpha' }]);
      expect(await asRole(a.role, 'SELECT 1 AS one', url.toString())).toEqual({ rows: [{ one: 1 }] });
    } finally {
      await sql(`DROP DATABASE "${database}" WITH (FORCE)`);
    }
  });

  it('sets the password it is given, on a new role and again on an existing one', async () => {
    const c = { role: serviceRoleName('gamma', prefix), schema: freshSchema('gamma'), password: 'first secret' };
    await provisionServiceRoles(TEST_DATABASE_URL, [c]);
    const stored = async () =>
      (await sql(`SELECT rolpassword FROM pg_authid WHERE rolname = '${c.role}'`))[0].rolpassword as string;
    const first = await stored();
    expect(first).toMatch(/^SCRAM-SHA-256\$/);
    await provisionServiceRoles(TEST_DATABASE_URL, [{ ...c, password: 'second secret' }]);
    expect(await stored()).toMatch(/^SCRAM-SHA-256\$/);
    expect(await stored()).not.toBe(first);
    await sql(`DROP SCHEMA "${c.schema}" CASCADE`);
    await sql(`DROP OWNED BY "${c.role}"`);
    await sql(`DROP ROLE "${c.role}"`);
  });

  it('refuses a role that exists with more than LOGIN, and names that are not plain identifiers', async () => {
    const role = `${prefix}big`;
    await sql(`CREATE ROLE "${role}" LOGIN CREATEDB`);
    try {
      await expect(provisionServiceRoles(TEST_DATABASE_URL, [{ role, schema: freshSchema('big') }])).rejects.toThrow(
        new ServiceRoleError(
          `role ${role} exists with more than a service may have (CREATEDB): drop it or take those away`,
        ),
      );
    } finally {
      await sql(`DROP ROLE "${role}"`);
    }
    await expect(provisionServiceRoles(TEST_DATABASE_URL, [{ role: 'x"; drop', schema: 's' }])).rejects.toThrow(
      ServiceRoleError,
    );
    await expect(provisionServiceRoles(TEST_DATABASE_URL, [{ role: a.role, schema: 'public' }])).rejects.toThrow(
      'a service may not own the schema "public"',
    );
  });
});
