// `mesh db-auth` and `mesh db-roles`: a PostgreSQL role per service where the launcher does not
// make them (compose). `db-auth [--out .mesh/db] [--server postgres:5432/failsoft]` writes a fresh
// password per service role: <dir>/<app>.env (that service's DATABASE_URL, its role only) and
// <dir>/roles.env (every <APP>_DATABASE_URL, for the one-shot that makes the roles), readable by
// the owner only. `db-roles` connects with DATABASE_URL (an administrator) and makes each
// <APP>_DATABASE_URL's role — its user, its password — owning that service's schema and nothing
// else (provisionServiceRoles); run again, it sets the passwords again.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { provisionServiceRoles, serviceRoleName, ServiceRoleError, type ServiceRole } from '#persistence';
import { DATABASE_APPS } from './db-roles.js';
import { loadDbRolesConfig } from './mesh.config.js';

const upper = (app: string) => app.toUpperCase();

export function dbAuthCommand(o: { outDir: string; server: string }): number {
  const dir = resolve(o.outDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const secret = { mode: 0o600 } as const;
  const urls = DATABASE_APPS.map((app) => {
    const password = randomBytes(24).toString('base64url');
    return [app, `postgres://${serviceRoleName(app)}:${password}@${o.server}`] as const;
  });
  for (const [app, url] of urls) writeFileSync(join(dir, `${app}.env`), `DATABASE_URL=${url}\n`, secret);
  writeFileSync(
    join(dir, 'roles.env'),
    urls.map(([app, url]) => `${upper(app)}_DATABASE_URL=${url}\n`).join(''),
    secret,
  );
  process.stdout.write(`wrote ${urls.length} service database files and roles.env in ${dir}\n`);
  return 0;
}

/** The role, password and schema of every service whose own URL is set (its schema: its name). */
export function rolesFromUrls(env: Record<string, string | undefined>): ServiceRole[] {
  return DATABASE_APPS.flatMap((app) => {
    const url = env[`${upper(app)}_DATABASE_URL`];
    if (!url) return [];
    const u = new URL(url);
    const password = decodeURIComponent(u.password);
    return [{ role: decodeURIComponent(u.username), schema: app, ...(password ? { password } : {}) }];
  });
}

export async function dbRolesCommand(): Promise<number> {
  const c = loadDbRolesConfig();
  const roles = rolesFromUrls(c);
  if (roles.length === 0) {
    process.stderr.write('mesh: db-roles: no <APP>_DATABASE_URL set (mesh db-auth writes them to roles.env)\n');
    return 2;
  }
  try {
    await provisionServiceRoles(c.DATABASE_URL, roles);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    process.stderr.write(`mesh: db-roles: ${err instanceof ServiceRoleError ? '' : 'cannot make the roles: '}${why}\n`);
    return 1;
  }
  process.stdout.write(`made ${roles.map((r) => `${r.role} (schema ${r.schema})`).join(', ')}\n`);
  return 0;
}
