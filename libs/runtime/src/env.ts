// Config parsing shared by every app's `<app>.config.ts`: validate once at start and fail with
// the variable's name.
import { z } from 'zod';
import { LogFormats, LogLevels, type LogFormat, type LogLevel } from './logger.js';

export class ConfigError extends Error {}

export function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.output<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return result.data;
}

const int = (def: number, min = 0) => z.coerce.number().int().min(min).default(def);
const bool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
    .default(def ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1');

/** Variables every mesh member reads. */
export const meshEnv = {
  /** The NATS server(s) to connect to, comma-separated (a cluster's nodes). */
  NATS_URL: z.string().min(1).default('nats://127.0.0.1:4222'),
  /** The lowest level of JSON log line written; `debug` logs every handled request and event. */
  LOG_LEVEL: z.enum(LogLevels as [LogLevel, ...LogLevel[]]).default('info'),
  /**
   * `json`: one JSON object per line, for log collectors; `pretty`: short readable lines, for a
   * person. Unset: pretty when stdout is a terminal, JSON otherwise. The launcher passes the
   * format it chose to every replica, whose stdout is the launcher's.
   */
  LOG_FORMAT: z.enum(LogFormats as [LogFormat, ...LogFormat[]], { error: 'must be json or pretty' }).optional(),
  /** The longest a stopping replica waits for the work it holds before it exits anyway. */
  DRAIN_TIMEOUT_MS: int(10_000, 100),
  /**
   * `random`: the client tries NATS_URL's servers in a random order (at first and at each
   * reconnect), spreading a service's replicas over a cluster's nodes by chance; `listed`: in the
   * order given, so a replica can prefer its own host's node, or a service's replicas can be put
   * on different nodes on purpose (then losing one node never leaves that service without a
   * replica for the moment its replicas take to reconnect).
   */
  NATS_SERVER_ORDER: z.enum(['random', 'listed'], { error: 'must be random or listed' }).default('random'),
  /** How often the client pings its NATS server; two unanswered pings and it reconnects elsewhere. */
  NATS_PING_INTERVAL_MS: int(10_000, 100),
  /** This app's NATS user and password (see `mesh nats-auth`); unset: no authentication. */
  NATS_USER: z.string().min(1).optional(),
  /** The password of NATS_USER (in `.mesh/nats/<app>.env` after `mesh nats-auth`). */
  NATS_PASSWORD: z.string().min(1).optional(),
  /** Services: serve /health/live and /health/ready on this port (0: off). The edge uses PORT. */
  HEALTH_PORT: int(0),
  /** An OTLP/HTTP collector (e.g. http://otel-collector:4318): traces are exported there; unset: off. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  /**
   * The overload mechanisms, all at once (docs/fail-soft.md): a service's concurrency limit and
   * its `overloaded` refusals, the checks of the deadline before each query, the edge's own
   * concurrency limit, its brownout, its least-loaded choice of replica and its p95 hedges.
   * `false` for the overload drill's "without" half.
   */
  OVERLOAD_PROTECTION: bool(true),
  /** Services: the adaptive concurrency limit a replica starts with (requests held at once). */
  CONCURRENCY_LIMIT_INITIAL: int(40, 1),
  /** Services: the limit never falls below this. */
  CONCURRENCY_LIMIT_MIN: int(32, 1),
  /** Services: the limit never rises above this. */
  CONCURRENCY_LIMIT_MAX: int(400, 1),
};

/** Variables every service with a database reads. */
export const databaseEnv = {
  /** The PostgreSQL server and database; each service keeps to its own schema in it. */
  DATABASE_URL: z.string().min(1).default('postgres://postgres@127.0.0.1:5432/postgres'),
  /** Connections to PostgreSQL per replica. */
  DB_POOL_SIZE: int(10, 1),
  /** A query that cannot get a connection within this fails, and its request answers 503. */
  DB_CONNECT_TIMEOUT_MS: int(1000, 50),
  /** PostgreSQL's `statement_timeout` for the replica's sessions. */
  DB_STATEMENT_TIMEOUT_MS: int(5000, 50),
};

/**
 * Variables every service that publishes or consumes domain events reads (see events/). The
 * layout's own settings (the streams' replicas, the consumers' ack wait) are the provisioner's
 * (tools/mesh ProvisionEnv): a service only binds to what it made.
 */
export const eventsEnv = {
  /** Deliveries of one event to a consuming service before it goes to the dead letters. */
  EVENTS_MAX_DELIVER: int(5, 1),
  /** First redelivery delay after a failed handler; doubles per attempt (capped at 30 s). */
  EVENTS_RETRY_BACKOFF_MS: int(500, 10),
  /** Handlers of one consumer running at once in one replica. */
  EVENTS_CONCURRENCY: int(16, 1),
};

/** Variables every service that writes events to its outbox reads. */
export const outboxEnv = {
  /** Publish this replica's outbox (off: rows wait for another replica; for failure drills). */
  OUTBOX_RELAY_ENABLED: bool(true),
  /** How often the relay looks for rows no wake-up announced (another replica's, or a crash's). */
  OUTBOX_POLL_MS: int(500, 10),
  /**
   * How often the relay asks who leads the events stream; after a change, it checks that the
   * events JetStream acknowledged in the minute before are still there, and publishes again any
   * that are not (0: never).
   */
  OUTBOX_AUDIT_MS: int(5000, 0),
};

export { z };
