// The launcher's half of "a PostgreSQL role per service": which URL each service's replicas get
// (its own role on DATABASE_URL's server, a URL of its own the operator made, or DATABASE_URL
// itself with MESH_DB_ROLES=off), and the roles made at start with provisionServiceRoles — the
// function the end-to-end tests' meshes use too. A replica's environment carries its own URL only:
// never DATABASE_URL's administrator, never another service's. The database being down at start
// holds nothing up: the replicas wait for it and say so (WaitingReport), and the roles are made
// as soon as it answers.
import type { Logger } from 'pino';
import { MeshServices, type MeshService } from '#contracts';
import {
  classifyDatabaseError,
  provisionServiceRoles,
  roleDatabaseUrl,
  serviceRoleName,
  type ServiceRole,
} from '#persistence';
import type { AppName } from './app-catalogue.js';
import type { LauncherConfig } from './mesh.config.js';

/** The apps with a database (and a schema of their own): every mesh service has one. */
export const DATABASE_APPS: readonly (MeshService & AppName)[] = MeshServices;

export interface ServiceDatabase {
  /** What the service's replicas get as DATABASE_URL. */
  url: string;
  /** The role and schema the launcher makes for it; none when its URL comes from outside. */
  role?: ServiceRole;
}

export class DatabaseRolesError extends Error {}

type RolesConfig = Pick<LauncherConfig, 'DATABASE_URL' | 'MESH_DB_ROLES' | 'MESH_DB_ROLE_PREFIX' | 'childEnv'> & {
  replicas: ReadonlyMap<AppName, number>;
  overrides: ReadonlyMap<AppName, string>;
};

const upper = (app: string) => app.toUpperCase();

/** The database of every selected app that has one. */
export function serviceDatabases(c: RolesConfig): Map<AppName, ServiceDatabase> {
  const out = new Map<AppName, ServiceDatabase>();
  for (const app of DATABASE_APPS) {
    if (!c.replicas.has(app)) continue;
    const own = c.childEnv[`${upper(app)}_DATABASE_URL`];
    if (own) out.set(app, { url: own });
    else if (c.MESH_DB_ROLES === 'off') out.set(app, { url: c.DATABASE_URL });
    else {
      const role = serviceRoleName(app, c.MESH_DB_ROLE_PREFIX);
      let url: string;
      try {
        url = roleDatabaseUrl(c.DATABASE_URL, role);
      } catch {
        throw new DatabaseRolesError('DATABASE_URL: not a URL (postgres://user@host:5432/database)');
      }
      // A test's stand-in script has no schema to hand over.
      const schema = c.childEnv[`${upper(app)}_DB_SCHEMA`] || app;
      out.set(app, { url, ...(c.overrides.has(app) ? {} : { role: { role, schema } }) });
    }
  }
  return out;
}

/** A replica's environment with its own database URL and no other (the edge has none). */
export function withServiceDatabase(
  app: AppName,
  env: NodeJS.ProcessEnv,
  databases: ReadonlyMap<AppName, ServiceDatabase>,
): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const a of DATABASE_APPS) delete out[`${upper(a)}_DATABASE_URL`];
  const own = databases.get(app);
  if (own) out.DATABASE_URL = own.url;
  else delete out.DATABASE_URL;
  return out;
}

/** `host:port/database` of a URL, never its user or password. */
function target(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return 'DATABASE_URL';
  }
}

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 5000;

/**
 * Makes the roles: once before the replicas start (bounded by the connection timeout), then,
 * if that failed, again after 0.5 s, doubling to 5 s, until it works. A refusal (not an outage) is said once on
 * the console, naming what to change; an outage is the replicas' to report.
 */
export class DatabaseRoles {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private said: string | undefined;
  private retryMs = FIRST_RETRY_MS;

  constructor(
    private readonly adminUrl: string,
    private readonly roles: readonly ServiceRole[],
    private readonly logger: Logger,
    private readonly console: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
  ) {}

  async start(): Promise<void> {
    if (this.roles.length > 0) await this.attempt();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async attempt(): Promise<void> {
    const started = Date.now();
    try {
      await provisionServiceRoles(this.adminUrl, this.roles);
      this.logger.info(
        { roles: this.roles.map((r) => `${r.role}:${r.schema}`), ms: Date.now() - started },
        'database roles ready: each service owns its schema only',
      );
      if (this.said !== undefined) this.console(`mesh: the services' database roles are made`);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.logger.debug({ err: message, retryInMs: this.retryMs }, 'database roles not made yet: retrying');
      // An outage is the replicas' to report (they wait for the database and say so).
      if (!classifyDatabaseError(err) && message !== this.said) {
        this.said = message;
        this.console(
          `mesh: cannot make the services' database roles on ${target(this.adminUrl)} (${message}); they wait for them: DATABASE_URL must be a role that may create roles, or set MESH_DB_ROLES=off or <APP>_DATABASE_URL (docs/operations.md)`,
        );
      }
      if (!this.stopped) this.timer = setTimeout(() => void this.attempt(), this.retryMs).unref();
      this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
    }
  }
}
