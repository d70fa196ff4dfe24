// The launcher's and operator CLI's settings: the only reader of process.env in tools/mesh.
// Every error is one line naming the variable, so a typo in REPLICAS fails before anything runs.
import { databaseEnv, meshEnv, z } from '#runtime';
import { AppNames, isAppName, type AppName } from './app-catalogue.js';
import { CountsError, parseAppList, parseReplicaCounts } from './replica-counts.js';

export class MeshConfigError extends Error {}

const port = (def: number) => z.coerce.number().int().min(1).max(65535).default(def);

/** What the operator commands read (status, events, scale, kill); exported for docs/operations.md. */
export const OperatorEnv = z.object({
  NATS_URL: meshEnv.NATS_URL,
  /** The operator's NATS user (`mesh nats-auth` makes one), when NATS requires users. */
  NATS_USER: meshEnv.NATS_USER,
  /** The operator's NATS password. */
  NATS_PASSWORD: meshEnv.NATS_PASSWORD,
  /** The launcher's control API, on 127.0.0.1; the operator commands talk to it. */
  MESH_CONTROL_PORT: port(3099),
  DRAIN_TIMEOUT_MS: meshEnv.DRAIN_TIMEOUT_MS,
});

const serviceUrl = z.string().min(1).optional();

/** What the provisioner reads (the launcher at start, `mesh provision`): where and how to make the JetStream layout. */
export const ProvisionEnv = z.object({
  NATS_URL: meshEnv.NATS_URL,
  /**
   * The NATS user that makes the JetStream layout (`mesh nats-auth` makes `provisioner`), when
   * NATS requires users; given to no runtime app. Unset: NATS_USER, or none.
   */
  NATS_PROVISIONER_USER: z.string().min(1).optional(),
  /** The provisioner's NATS password. */
  NATS_PROVISIONER_PASSWORD: z.string().min(1).optional(),
  NATS_USER: meshEnv.NATS_USER,
  NATS_PASSWORD: meshEnv.NATS_PASSWORD,
  /**
   * Replicas of every stream the provisioner makes (events, dead letters, the media bucket, the
   * key-value buckets): 1 on one nats-server, 3 on a 3-node cluster.
   */
  EVENTS_STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  /** An event not acknowledged within this (its replica died mid-handler) is delivered again: the consumers' ack wait. */
  EVENTS_ACK_WAIT_MS: z.coerce.number().int().min(1000).default(10_000),
  /** The media object store's bucket the provisioner makes (the media service and the edge read the same variable). */
  MEDIA_BUCKET: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .default('media'),
  LOG_LEVEL: meshEnv.LOG_LEVEL,
});
export type ProvisionConfig = z.output<typeof ProvisionEnv>;

export function loadProvisionConfig(env: NodeJS.ProcessEnv = process.env): ProvisionConfig {
  return parse(ProvisionEnv, env);
}

/** The PostgreSQL role per service (db-roles.ts, docs/security.md). */
const databaseRolesEnv = {
  /**
   * The services' PostgreSQL server and database, as a role that may create roles (the launcher
   * makes each service's role with it, MESH_DB_ROLES); every service gets this URL with its own
   * role instead, never this one.
   */
  DATABASE_URL: databaseEnv.DATABASE_URL,
  /**
   * `create`: at start the launcher makes a role per service (`<MESH_DB_ROLE_PREFIX><app>`, LOGIN
   * only) owning that service's schema and nothing else, on DATABASE_URL's server; `off`: every
   * service connects with DATABASE_URL itself (one role for all, as before).
   */
  MESH_DB_ROLES: z.enum(['create', 'off'], { error: 'must be create or off' }).default('create'),
  /** The start of every service's role name: `failsoft_likes` for likes. */
  MESH_DB_ROLE_PREFIX: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,40}$/, { error: 'must be lowercase letters, digits and _' })
    .default('failsoft_'),
  /** identity's own database URL (a role made beforehand): given, the launcher hands it to identity and makes no role for it. */
  IDENTITY_DATABASE_URL: serviceUrl,
  /** posts' own database URL, as IDENTITY_DATABASE_URL. */
  POSTS_DATABASE_URL: serviceUrl,
  /** comments' own database URL, as IDENTITY_DATABASE_URL. */
  COMMENTS_DATABASE_URL: serviceUrl,
  /** likes' own database URL, as IDENTITY_DATABASE_URL. */
  LIKES_DATABASE_URL: serviceUrl,
  /** media's own database URL, as IDENTITY_DATABASE_URL. */
  MEDIA_DATABASE_URL: serviceUrl,
  /** messaging's own database URL, as IDENTITY_DATABASE_URL. */
  MESSAGING_DATABASE_URL: serviceUrl,
  /** graph's own database URL, as IDENTITY_DATABASE_URL. */
  GRAPH_DATABASE_URL: serviceUrl,
  /** feed's own database URL, as IDENTITY_DATABASE_URL. */
  FEED_DATABASE_URL: serviceUrl,
};

/** What `mesh db-roles` reads: the administrator's URL and each service's own (with its role and password). */
export const DbRolesEnv = z.object({ ...databaseRolesEnv, LOG_LEVEL: meshEnv.LOG_LEVEL });
export type DbRolesConfig = z.output<typeof DbRolesEnv>;

export function loadDbRolesConfig(env: NodeJS.ProcessEnv = process.env): DbRolesConfig {
  return parse(DbRolesEnv, env);
}

/** What `npm start` reads; every replica inherits the launcher's whole environment. */
export const LauncherEnv = OperatorEnv.extend({
  LOG_LEVEL: meshEnv.LOG_LEVEL,
  /**
   * `json` or `pretty`, for the launcher and every replica (they write to its stdout, so it
   * passes its choice down). Unset: pretty when stdout is a terminal, JSON otherwise.
   */
  LOG_FORMAT: meshEnv.LOG_FORMAT,
  /** The first edge replica's HTTP port; replica i listens on PORT + i. */
  PORT: port(3000),
  /** The address the edge replicas bind (the edge reads it too); their ports are checked there. */
  HOST: z.string().min(1).default('0.0.0.0'),
  /**
   * The first edge replica's admin port (GET /mesh, GET /metrics, the board); replica i's admin
   * listener is on ADMIN_PORT + i.
   */
  ADMIN_PORT: port(3100),
  /** The address the edge replicas' admin listeners bind (the edge reads it too). */
  ADMIN_HOST: z.string().min(1).default('127.0.0.1'),
  /** The apps to run, comma-separated (default: all of them). */
  MESH_APPS: z.string().optional(),
  /** Replicas per app, e.g. `posts=2,likes=3` (default 1 each); `--replicas` wins over it. */
  REPLICAS: z.string().optional(),
  /** The nats-server the launcher starts when no NATS answers at NATS_URL. */
  NATS_SERVER_BIN: z.string().min(1).default('nats-server'),
  /** Where a nats-server the launcher starts keeps JetStream data (default <repo>/.mesh/nats). */
  MESH_NATS_STORE_DIR: z.string().min(1).optional(),
  PATH: z.string().default(''),
  JWT_PRIVATE_KEY: z.string().optional(),
  JWT_PRIVATE_KEY_FILE: z.string().optional(),
  JWT_PUBLIC_KEY: z.string().optional(),
  JWT_PUBLIC_KEY_FILE: z.string().optional(),
  ...databaseRolesEnv,
  // The provisioner's own settings (ProvisionEnv): the launcher provisions JetStream at start.
  NATS_PROVISIONER_USER: ProvisionEnv.shape.NATS_PROVISIONER_USER,
  NATS_PROVISIONER_PASSWORD: ProvisionEnv.shape.NATS_PROVISIONER_PASSWORD,
  EVENTS_STREAM_REPLICAS: ProvisionEnv.shape.EVENTS_STREAM_REPLICAS,
  EVENTS_ACK_WAIT_MS: ProvisionEnv.shape.EVENTS_ACK_WAIT_MS,
  MEDIA_BUCKET: ProvisionEnv.shape.MEDIA_BUCKET,
});

export type OperatorConfig = z.output<typeof OperatorEnv>;

export interface LauncherConfig extends OperatorConfig {
  LOG_LEVEL: z.output<typeof LauncherEnv>['LOG_LEVEL'];
  LOG_FORMAT?: z.output<typeof LauncherEnv>['LOG_FORMAT'];
  PORT: number;
  HOST: string;
  ADMIN_PORT: number;
  ADMIN_HOST: string;
  NATS_SERVER_BIN: string;
  MESH_NATS_STORE_DIR?: string;
  PATH: string;
  DATABASE_URL: string;
  MESH_DB_ROLES: 'create' | 'off';
  MESH_DB_ROLE_PREFIX: string;
  replicas: Map<AppName, number>;
  /** Whether token keys come from outside; if not, the launcher makes local dev keys. */
  hasTokenKeys: boolean;
  /** TEST ONLY: `MESH_APP_OVERRIDE_<app>=<script>` runs that script instead of the app. */
  overrides: Map<AppName, string>;
  /** The provisioner's settings: the launcher makes the JetStream layout before any replica. */
  provision: ProvisionConfig;
  /** The launcher's env, which every replica inherits. */
  childEnv: NodeJS.ProcessEnv;
}

function parse<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.output<S> {
  const r = schema.safeParse(env);
  if (r.success) return r.data;
  throw new MeshConfigError(r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
}

export function loadOperatorConfig(env: NodeJS.ProcessEnv = process.env): OperatorConfig {
  return parse(OperatorEnv, env);
}

/** `replicasFlag`: the `--replicas` value, which wins over REPLICAS. */
export function loadLauncherConfig(env: NodeJS.ProcessEnv = process.env, replicasFlag?: string): LauncherConfig {
  const e = parse(LauncherEnv, env);
  try {
    const selected = parseAppList(e.MESH_APPS);
    const replicas =
      replicasFlag !== undefined
        ? parseReplicaCounts(replicasFlag, selected, '--replicas')
        : parseReplicaCounts(e.REPLICAS, selected);
    return {
      ...e,
      replicas,
      hasTokenKeys: [e.JWT_PRIVATE_KEY, e.JWT_PRIVATE_KEY_FILE, e.JWT_PUBLIC_KEY, e.JWT_PUBLIC_KEY_FILE].some(Boolean),
      overrides: readOverrides(env),
      provision: loadProvisionConfig(env),
      childEnv: { ...env },
    };
  } catch (err) {
    if (err instanceof CountsError) throw new MeshConfigError(err.message);
    throw err;
  }
}

function readOverrides(env: NodeJS.ProcessEnv): Map<AppName, string> {
  const out = new Map<AppName, string>();
  for (const [key, value] of Object.entries(env)) {
    const app = /^MESH_APP_OVERRIDE_(.+)$/.exec(key)?.[1];
    if (app === undefined || !value) continue;
    if (!isAppName(app)) throw new MeshConfigError(`${key}: unknown app "${app}" (known: ${AppNames.join(', ')})`);
    out.set(app, value);
  }
  return out;
}
