import { meshEnv, parseEnv, z } from '#runtime';
import { Budgets, parseBudget, type Budget, type BudgetName } from './limits/budgets.js';

const int = (def: number, min = 1) => z.coerce.number().int().min(min).default(def);
const flag = (def: 'true' | 'false') =>
  z
    .enum(['true', 'false'])
    .default(def)
    .transform((v) => v === 'true');
/** A rate-limit budget, "<points>/<window>" (e.g. 30/5m), defaulting to the budgets table's. */
const budget = (name: BudgetName) =>
  z
    .string()
    .default(Budgets[name].default)
    .transform((v, ctx): Budget => {
      const parsed = parseBudget(v);
      if (typeof parsed === 'string') {
        ctx.addIssue({ code: 'custom', message: parsed });
        return z.NEVER;
      }
      return parsed;
    });

/** The variables edge reads, exported for the generated config table (docs/operations.md). */
export const EdgeEnv = z
  .object({
    ...meshEnv,
    /** The HTTP port (0: any free one). */
    PORT: int(3000, 0),
    /** The address HTTP binds to. */
    HOST: z.string().min(1).default('0.0.0.0'),
    /**
     * The admin listener's port (0: any free one): GET /mesh, GET /metrics and the mesh board,
     * none of which the API port serves. A second edge replica on one machine needs its own.
     */
    ADMIN_PORT: int(3100, 0),
    /** The address the admin listener binds: loopback unless something else must scrape it. */
    ADMIN_HOST: z.string().min(1).default('127.0.0.1'),
    /** The built mesh board served on the admin port (default: dist/board beside the built edge). */
    BOARD_ROOT: z.string().min(1).optional(),
    /** Verifies tokens without asking identity: a path to the SPKI PEM, or the PEM itself. */
    JWT_PUBLIC_KEY_FILE: z.string().min(1).optional(),
    /** The token public key itself (SPKI PEM), instead of JWT_PUBLIC_KEY_FILE. */
    JWT_PUBLIC_KEY: z.string().min(1).optional(),
    /**
     * Deadline of a read (a query another service answers); one that misses it is asked once more
     * of the live replicas, so a read takes at most twice this.
     */
    READ_TIMEOUT_MS: int(200),
    /** Deadline of a write. */
    WRITE_TIMEOUT_MS: int(2000),
    /** The JetStream object store bucket the media service keeps images in. */
    MEDIA_BUCKET: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/)
      .default('media'),
    /**
     * A media object being streamed out that sends no byte for this long is cut off (the
     * connection is closed before its Content-Length is reached). A post's deletion removes its
     * images' objects, and a read of a removed object may otherwise wait for its chunks forever.
     */
    MEDIA_READ_STALL_MS: int(5000, 100),
    /**
     * identity's access-token lifetime (set both alike): how far back a starting edge reads the
     * session revocations, and how long it keeps each one.
     */
    ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
    /** Open GET /events streams one account may hold on one edge replica; the next is a 429. */
    EVENTS_STREAMS_PER_ACCOUNT: int(5),
    /** Open GET /events streams one edge replica holds in all; the next is a 503 (try another replica). */
    EVENTS_STREAMS_PER_REPLICA: int(1000),
    /** How long a stream ticket (POST /events/ticket) may wait to be used; at most the bucket's 60 s. */
    EVENT_TICKET_TTL_SECONDS: z.coerce.number().int().min(1).max(60).default(30),
    /** How often GET /events sends a keep-alive comment (at most 15 s: docs/api.md). */
    SSE_KEEPALIVE_MS: int(15_000, 100),
    /** How often the edge pings the mesh ($SRV.PING) to know which replicas are alive. */
    REPLICA_PING_INTERVAL_MS: int(1000, 50),
    /** A replica not heard from for this long is not offered to retries. */
    REPLICA_FRESH_MS: int(2500, 100),
    /** Brownout (OVERLOAD_PROTECTION): a service whose replies average more than this (ms) has its optional parts skipped. */
    BROWNOUT_LATENCY_TARGET_MS: int(150, 1),
    /** Brownout: …or one whose replies lately were more than this share `overloaded` refusals. */
    BROWNOUT_REFUSED_SHARE: z.coerce.number().min(0).max(1).default(0.1),
    /** Brownout: how long a pressed service's optional parts are skipped before they are asked again. */
    BROWNOUT_HOLD_MS: int(2000, 10),
    /** Brownout: while the edge's own event loop lags more than this (ms, mean), every optional part is skipped. */
    EDGE_MAX_EVENT_LOOP_DELAY_MS: int(250, 1),
    /** The edge's own adaptive concurrency limit (OVERLOAD_PROTECTION): API requests it holds at once to start with… */
    EDGE_CONCURRENCY_LIMIT_INITIAL: int(64, 1),
    /** …never fewer than this… */
    EDGE_CONCURRENCY_LIMIT_MIN: int(32, 1),
    /** …nor more than this; the excess is a 503 with Retry-After at once. */
    EDGE_CONCURRENCY_LIMIT_MAX: int(1000, 1),
    /** The edge's limit shrinks once its requests' recent handling time passes this many times the long-term one. */
    EDGE_CONCURRENCY_LIMIT_TOLERANCE: z.coerce.number().min(1).max(100).default(3),
    /** Hedges (OVERLOAD_PROTECTION): a read unanswered at its subject's p95 is asked of another replica, at most this share more requests per service. */
    HEDGE_RATIO: z.coerce.number().min(0).max(1).default(0.05),
    /** Hedges: the most that can be saved up in calm times, per service. */
    HEDGE_BURST: int(10, 1),
    /** How long a service's open circuit breaker waits before letting one probe through. */
    CIRCUIT_HALF_OPEN_AFTER_MS: int(250),
    /**
     * How often the edge reads every durable event consumer's lag (pending, in flight, oldest
     * unacknowledged) for /metrics and GET /mesh, in the background.
     */
    CONSUMER_LAG_INTERVAL_MS: int(5000, 100),
    /** How long GET /mesh waits for more replicas once none answered for this long. */
    MESH_DISCOVERY_STALL_MS: int(100),
    /** The built web client served at / (default: dist/web beside the built edge); unset or missing = API only. */
    WEB_ROOT: z.string().min(1).optional(),
    /** Largest JSON body accepted. */
    JSON_BODY_LIMIT_BYTES: int(256 * 1024),
    /**
     * Longest a request may take to arrive, headers and body (then 408 and the connection is
     * closed): a client trickling a body byte by byte holds a connection no longer than this.
     * 60 s lets a 10 MiB upload through at 1.4 Mbit/s; a JSON body needs only 35 kbit/s. A
     * GET /events stream is not cut: its request has arrived, only the answer goes on.
     */
    REQUEST_TIMEOUT_MS: int(60_000, 1000),
    /** Longest the request headers may take to arrive (slowloris); at most REQUEST_TIMEOUT_MS. */
    HEADERS_TIMEOUT_MS: int(10_000, 500),
    /**
     * A connection on which nothing moved either way for this long is closed. Above
     * SSE_KEEPALIVE_MS, so an open GET /events (a comment every SSE_KEEPALIVE_MS) is never idle.
     */
    CONNECTION_TIMEOUT_MS: int(30_000, 1000),
    /** One access-log line per request at info level. */
    ACCESS_LOG: flag('true'),
    /** `off` turns every rate limit, login delay and login concurrency cap off (tests, benchmarks). */
    RATE_LIMITS: z.enum(['on', 'off']).default('on'),
    /**
     * How often an edge adds its rate-limit counts to the shared NATS KV bucket and reads the
     * others': N edges together admit a budget once, overshooting by at most what they admit
     * within one period (docs/security.md).
     */
    RATE_LIMIT_SYNC_MS: int(200, 10),
    /**
     * Take the client IP from the first address of X-Forwarded-For (set it only behind a proxy
     * that writes that header; otherwise any client could pick its own IP and its own budget).
     */
    TRUST_PROXY: flag('false'),
    /** Logins per client IP (rate limit, "<points>/<window>", units ms, s, m, h). */
    RATE_LIMIT_AUTH_LOGIN_IP: budget('auth.login.ip'),
    /** Logins per submitted username, whoever sends them. */
    RATE_LIMIT_AUTH_LOGIN_USERNAME: budget('auth.login.username'),
    /** Sign-ups per client IP. */
    RATE_LIMIT_AUTH_SIGNUP_IP: budget('auth.signup.ip'),
    /** Sign-ups per submitted username (a taken name answered 409 still counts). */
    RATE_LIMIT_AUTH_SIGNUP_USERNAME: budget('auth.signup.username'),
    /** Refreshes per client IP (a refresh is anonymous: its token is the credential). */
    RATE_LIMIT_AUTH_REFRESH_IP: budget('auth.refresh.ip'),
    /** Password changes per account (each costs two password hashes). */
    RATE_LIMIT_AUTH_PASSWORD: budget('auth.password'),
    /** Logouts per account. */
    RATE_LIMIT_AUTH_LOGOUT: budget('auth.logout'),
    /** Stream tickets per account. */
    RATE_LIMIT_EVENTS_TICKET: budget('events.ticket'),
    /** Follows and unfollows per account. */
    RATE_LIMIT_FOLLOWS_WRITE: budget('follows.write'),
    /** Posts per account. */
    RATE_LIMIT_POSTS_CREATE: budget('posts.create'),
    /** Comments per account. */
    RATE_LIMIT_COMMENTS_CREATE: budget('comments.create'),
    /** Likes and unlikes per account. */
    RATE_LIMIT_LIKES_WRITE: budget('likes.write'),
    /** Read markers set (POST /notifications/read) per account per window. */
    RATE_LIMIT_NOTIFICATIONS_READ: budget('notifications.read'),
    /** Direct messages per account. */
    RATE_LIMIT_MESSAGES_SEND: budget('messages.send'),
    /** Uploads per account. */
    RATE_LIMIT_MEDIA_UPLOAD: budget('media.upload'),
    /** Reads (GET) per client IP without a verified token. */
    RATE_LIMIT_READS_ANONYMOUS: budget('reads.anonymous'),
    /** Failed logins of one username that cost no delay. */
    LOGIN_FREE_FAILURES: int(5, 0),
    /** The delay after the first failure past LOGIN_FREE_FAILURES; each further one doubles it. */
    LOGIN_DELAY_BASE_MS: int(1000),
    /** The longest delay of one username (never a lockout: a success resets it). */
    LOGIN_DELAY_MAX_MS: int(15 * 60_000),
    /** Logins one client IP may have in flight at one edge; one more is answered 429 at once. */
    LOGIN_CONCURRENCY_PER_IP: int(2),
  })
  .refine((e) => e.JWT_PUBLIC_KEY_FILE || e.JWT_PUBLIC_KEY, {
    message: 'set JWT_PUBLIC_KEY_FILE (path to the token public key PEM) or JWT_PUBLIC_KEY',
    path: ['JWT_PUBLIC_KEY_FILE'],
  })
  .refine((e) => e.HEADERS_TIMEOUT_MS <= e.REQUEST_TIMEOUT_MS, {
    message: 'HEADERS_TIMEOUT_MS must not be above REQUEST_TIMEOUT_MS (the headers are part of the request)',
    path: ['HEADERS_TIMEOUT_MS'],
  })
  .refine((e) => e.LOGIN_DELAY_MAX_MS >= e.LOGIN_DELAY_BASE_MS, {
    message: 'LOGIN_DELAY_MAX_MS must not be below LOGIN_DELAY_BASE_MS',
    path: ['LOGIN_DELAY_MAX_MS'],
  })
  .refine((e) => e.CONNECTION_TIMEOUT_MS > e.SSE_KEEPALIVE_MS, {
    message: 'CONNECTION_TIMEOUT_MS must be above SSE_KEEPALIVE_MS, or every idle GET /events stream would be cut',
    path: ['CONNECTION_TIMEOUT_MS'],
  });

export type EdgeConfig = z.output<typeof EdgeEnv>;

export function loadEdgeConfig(env: NodeJS.ProcessEnv = process.env): EdgeConfig {
  return parseEnv(EdgeEnv, env);
}

export const EDGE_CONFIG = Symbol('EDGE_CONFIG');

/** Each budget as configured, by name. */
export function budgetsOf(c: EdgeConfig): Record<BudgetName, Budget> {
  return {
    'auth.login.ip': c.RATE_LIMIT_AUTH_LOGIN_IP,
    'auth.login.username': c.RATE_LIMIT_AUTH_LOGIN_USERNAME,
    'auth.signup.ip': c.RATE_LIMIT_AUTH_SIGNUP_IP,
    'auth.signup.username': c.RATE_LIMIT_AUTH_SIGNUP_USERNAME,
    'auth.refresh.ip': c.RATE_LIMIT_AUTH_REFRESH_IP,
    'auth.password': c.RATE_LIMIT_AUTH_PASSWORD,
    'auth.logout': c.RATE_LIMIT_AUTH_LOGOUT,
    'events.ticket': c.RATE_LIMIT_EVENTS_TICKET,
    'follows.write': c.RATE_LIMIT_FOLLOWS_WRITE,
    'posts.create': c.RATE_LIMIT_POSTS_CREATE,
    'comments.create': c.RATE_LIMIT_COMMENTS_CREATE,
    'likes.write': c.RATE_LIMIT_LIKES_WRITE,
    'notifications.read': c.RATE_LIMIT_NOTIFICATIONS_READ,
    'messages.send': c.RATE_LIMIT_MESSAGES_SEND,
    'media.upload': c.RATE_LIMIT_MEDIA_UPLOAD,
    'reads.anonymous': c.RATE_LIMIT_READS_ANONYMOUS,
  };
}
