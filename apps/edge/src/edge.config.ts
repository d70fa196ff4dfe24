import { meshEnv, parseEnv, z } from '#runtime';

const int = (def: number, min = 1) => z.coerce.number().int().min(min).default(def);

/** The variables edge reads, exported for the generated config table (docs/operations.md). */
export const EdgeEnv = z
  .object({
    ...meshEnv,
    /** The HTTP port (0: any free one). */
    PORT: int(3000, 0),
    /** The address HTTP binds to. */
    HOST: z.string().min(1).default('0.0.0.0'),
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
    /** How often GET /events sends a keep-alive comment (at most 15 s: docs/api.md). */
    SSE_KEEPALIVE_MS: int(15_000, 100),
    /** How often the edge pings the mesh ($SRV.PING) to know which replicas are alive. */
    REPLICA_PING_INTERVAL_MS: int(1000, 50),
    /** A replica not heard from for this long is not offered to retries. */
    REPLICA_FRESH_MS: int(2500, 100),
    /** How long a service's open circuit breaker waits before letting one probe through. */
    CIRCUIT_HALF_OPEN_AFTER_MS: int(250),
    /** How long GET /mesh waits for more replicas once none answered for this long. */
    MESH_DISCOVERY_STALL_MS: int(100),
    /** The built web client served at / (default: dist/web beside the built edge); unset or missing = API only. */
    WEB_ROOT: z.string().min(1).optional(),
    /** Largest JSON body accepted. */
    JSON_BODY_LIMIT_BYTES: int(256 * 1024),
    /** One access-log line per request at info level. */
    ACCESS_LOG: z
      .enum(['true', 'false'])
      .default('true')
      .transform((v) => v === 'true'),
  })
  .refine((e) => e.JWT_PUBLIC_KEY_FILE || e.JWT_PUBLIC_KEY, {
    message: 'set JWT_PUBLIC_KEY_FILE (path to the token public key PEM) or JWT_PUBLIC_KEY',
    path: ['JWT_PUBLIC_KEY_FILE'],
  });

export type EdgeConfig = z.output<typeof EdgeEnv>;

export function loadEdgeConfig(env: NodeJS.ProcessEnv = process.env): EdgeConfig {
  return parseEnv(EdgeEnv, env);
}

export const EDGE_CONFIG = Symbol('EDGE_CONFIG');
