// A PostgreSQL role per service: each service connects as its own role, which owns its schema
// (and so may create tables there and run its migrations) and has no privilege anywhere else —
// not on another service's schema, not on `public`. `provisionServiceRoles` sets that up with an
// administrator's connection; the launcher calls it at start (tools/mesh db-roles.ts) and so do
// the end-to-end tests' meshes (libs/testing test-mesh.ts). It is idempotent, and it hands over
// what an older database left to the administrator: the schema and everything in it, whatever
// tables a service's migrations have made by then.
import pg from 'pg';

/** The default prefix of a service's role: `failsoft_likes` for likes. */
export const DEFAULT_ROLE_PREFIX = 'failsoft_';

/** Role and schema names are plain identifiers (the schema's rule in every `<app>.config.ts`). */
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

export interface ServiceRole {
  /** The PostgreSQL role the service connects as, e.g. `failsoft_likes`. */
  role: string;
  /** The one schema it owns. */
  schema: string;
  /** Its password, set (again) on every run; none: the role has none (trust authentication). */
  password?: string;
}

export class ServiceRoleError extends Error {}

/** `prefix + service`, checked to be a plain identifier. */
export function serviceRoleName(service: string, prefix = DEFAULT_ROLE_PREFIX): string {
  const role = `${prefix}${service}`;
  if (!IDENTIFIER.test(role)) throw new ServiceRoleError(`role name "${role}" must match ${IDENTIFIER.source}`);
  return role;
}

/**
 * `url` (an administrator's) with its user replaced by `role` and its password dropped (or set):
 * the same server and database, connected to as the service's role.
 */
export function roleDatabaseUrl(url: string, role: string, password?: string): string {
  const u = new URL(url);
  u.username = encodeURIComponent(role);
  u.password = password === undefined ? '' : encodeURIComponent(password);
  return u.toString();
}

const quote = (name: string) => `"${name}"`;

function check(r: ServiceRole): void {
  for (const [what, name] of [
    ['role', r.role],
    ['schema', r.schema],
  ] as const)
    if (!IDENTIFIER.test(name)) throw new ServiceRoleError(`${what} name "${name}" must match ${IDENTIFIER.source}`);
  if (r.schema === 'public') throw new ServiceRoleError(`a service may not own the schema "public"`);
}

export interface ProvisionOptions {
  /** The longest a connection attempt may take (default 3000 ms). */
  connectTimeoutMs?: number;
}

/**
 * Makes each `role` (LOGIN, nothing more) exist and own its `schema` and every object in it, and
 * takes from the roles and from PUBLIC whatever could reach past it: privileges on the other
 * schemas given here, CREATE on `public`. Runs as `adminUrl`'s user, which must be allowed to
 * create roles and to give objects away (a superuser on a local server). Idempotent; concurrent
 * runs (several tests, or launchers, on one server) are safe. A role that exists already with more
 * than LOGIN (a superuser, a member of another role) is refused rather than used.
 */
export async function provisionServiceRoles(
  adminUrl: string,
  roles: readonly ServiceRole[],
  o: ProvisionOptions = {},
): Promise<void> {
  roles.forEach(check);
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: o.connectTimeoutMs ?? 3000 });
  client.on('error', () => undefined); // a connection lost mid-way fails the query that uses it
  await client.connect();
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await provisionOnce(client, roles);
        return;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        // Roles belong to the whole server: another database's run may have created one between
        // our look and our CREATE ROLE (duplicate_object, or the catalogue's unique index).
        const code = (err as { code?: string }).code;
        if (attempt < 3 && (code === '42710' || code === '23505')) continue;
        throw err;
      }
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function provisionOnce(client: pg.Client, roles: readonly ServiceRole[]): Promise<void> {
  await client.query('BEGIN');
  // One provisioning at a time per database; the transaction's end releases it.
  await client.query(`SELECT pg_advisory_xact_lock(hashtext('failsoft.service-roles'))`);
  for (const r of roles) await ensureRole(client, r.role, r.password);
  // Everyone may connect by default; a database that took that away from PUBLIC still lets these.
  const db = (await client.query<{ name: string }>('SELECT current_database() AS name')).rows[0].name;
  for (const r of roles)
    await client.query(`GRANT CONNECT ON DATABASE "${db.replace(/"/g, '""')}" TO ${quote(r.role)}`);
  const schemas = roles.map((r) => r.schema);
  for (const r of roles) await handOverSchema(client, r);
  for (const r of roles) {
    // Nothing but its own: no explicit grant on another service's schema or on public survives.
    for (const other of schemas.filter((s) => s !== r.schema))
      if (await schemaExists(client, other))
        await client.query(`REVOKE ALL ON SCHEMA ${quote(other)} FROM ${quote(r.role)}`);
    await client.query(`REVOKE ALL ON SCHEMA public FROM ${quote(r.role)}`);
  }
  // PostgreSQL 15 no longer grants CREATE on public to everyone; older servers do.
  await client.query('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
  await client.query('COMMIT');
}

async function ensureRole(client: pg.Client, role: string, password?: string): Promise<void> {
  // A utility statement takes no parameters: the password goes in as an escaped literal.
  const withPassword = password === undefined ? '' : ` PASSWORD ${client.escapeLiteral(password)}`;
  const found = await client.query<{
    rolsuper: boolean;
    rolcreaterole: boolean;
    rolcreatedb: boolean;
    rolbypassrls: boolean;
    rolreplication: boolean;
    rolcanlogin: boolean;
    memberships: string[];
  }>(
    `SELECT r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolbypassrls, r.rolreplication, r.rolcanlogin,
       ARRAY(SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid)::text[] AS memberships
     FROM pg_roles r WHERE r.rolname = $1`,
    [role],
  );
  const existing = found.rows[0];
  if (!existing) {
    await client.query(
      `CREATE ROLE ${quote(role)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT${withPassword}`,
    );
    return;
  }
  const extra = [
    existing.rolsuper && 'SUPERUSER',
    existing.rolcreaterole && 'CREATEROLE',
    existing.rolcreatedb && 'CREATEDB',
    existing.rolbypassrls && 'BYPASSRLS',
    existing.rolreplication && 'REPLICATION',
    ...existing.memberships.map((g) => `member of ${g}`),
  ].filter(Boolean);
  if (extra.length > 0)
    throw new ServiceRoleError(
      `role ${role} exists with more than a service may have (${extra.join(', ')}): drop it or take those away`,
    );
  if (!existing.rolcanlogin || password !== undefined)
    await client.query(`ALTER ROLE ${quote(role)} LOGIN${withPassword}`);
}

async function schemaExists(client: pg.Client, schema: string): Promise<boolean> {
  return (await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).rowCount === 1;
}

/** The schema (created if missing) and everything in it owned by the role; no grant to PUBLIC. */
async function handOverSchema(client: pg.Client, { role, schema }: ServiceRole): Promise<void> {
  if (!(await schemaExists(client, schema))) {
    await client.query(`CREATE SCHEMA ${quote(schema)} AUTHORIZATION ${quote(role)}`);
    return;
  }
  await client.query(`ALTER SCHEMA ${quote(schema)} OWNER TO ${quote(role)}`);
  await client.query(`REVOKE ALL ON SCHEMA ${quote(schema)} FROM PUBLIC`);
  // Tables, views and foreign tables first: their indexes and their own sequences (serial,
  // identity) follow them, and may not be given away alone.
  const statements = async (sql: string) =>
    (await client.query<{ s: string }>(sql, [schema, role])).rows.map((row) => row.s);
  const relations = await statements(
    `SELECT format('ALTER TABLE %I.%I OWNER TO %I', n.nspname, c.relname, $2::text) AS s
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND pg_get_userbyid(c.relowner) <> $2`,
  );
  for (const s of relations) await client.query(s);
  const rest = await statements(
    `SELECT format('ALTER SEQUENCE %I.%I OWNER TO %I', n.nspname, c.relname, $2::text) AS s
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND c.relkind = 'S' AND pg_get_userbyid(c.relowner) <> $2
     UNION ALL
     SELECT format('ALTER ROUTINE %s OWNER TO %I', p.oid::regprocedure, $2::text)
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
       WHERE n.nspname = $1 AND pg_get_userbyid(p.proowner) <> $2
     UNION ALL
     SELECT format('ALTER TYPE %I.%I OWNER TO %I', n.nspname, t.typname, $2::text)
       FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
       WHERE n.nspname = $1 AND t.typtype IN ('e', 'd', 'r') AND pg_get_userbyid(t.typowner) <> $2`,
  );
  for (const s of rest) await client.query(s);
  // What the administrator had granted to everyone on the tables before.
  await client.query(`REVOKE ALL ON ALL TABLES IN SCHEMA ${quote(schema)} FROM PUBLIC`);
  await client.query(`REVOKE ALL ON ALL SEQUENCES IN SCHEMA ${quote(schema)} FROM PUBLIC`);
}
