import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A schema name no other run uses: each test run migrates its own from scratch. */
export function freshSchema(service: string): string {
  return `t_${service}_${randomBytes(4).toString('hex')}`;
}

export async function sql<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/**
 * Takes a whole database away from its clients, or gives it back: new connections are refused
 * and open ones terminated — a PostgreSQL outage for one mesh, on a server other tests share.
 */
export async function refuseConnections(database: string, refuse: boolean): Promise<void> {
  await sql(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS ${refuse ? 'false' : 'true'}`);
  if (refuse) {
    await sql('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [
      database,
    ]);
  }
}

export async function dropSchemas(...schemas: string[]): Promise<void> {
  for (const s of schemas) await sql(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
}

/** What a statement run as a role gave: its rows, or the error's SQLSTATE and message. */
export interface AsRoleResult {
  rows?: unknown[];
  code?: string;
  message?: string;
}

/**
 * Runs `text` on TEST_DATABASE_URL's server as `role` (trust authentication: no password), from
 * outside any service: what that role may and may not do.
 */
export async function asRole(role: string, text: string, url = TEST_DATABASE_URL): Promise<AsRoleResult> {
  const u = new URL(url);
  u.username = role;
  u.password = '';
  const client = new pg.Client({ connectionString: u.toString(), connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return { rows: (await client.query(text)).rows };
  } catch (err) {
    const e = err as { code?: string; message?: string };
    return { code: e.code, message: e.message };
  } finally {
    await client.end();
  }
}
