import { databaseEnv, eventsEnv, meshEnv, outboxEnv, parseEnv, z } from '#runtime';

/** The variables identity reads, exported for the generated config table (docs/operations.md). */
export const IdentityEnv = z
  .object({
    ...meshEnv,
    ...databaseEnv,
    ...eventsEnv,
    ...outboxEnv,
    /** The service's schema; tests use a fresh one per run. */
    IDENTITY_DB_SCHEMA: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/)
      .default('identity'),
    /** The token signing key: a path to the PKCS#8 PEM of an Ed25519 key, or the PEM itself. */
    JWT_PRIVATE_KEY_FILE: z.string().min(1).optional(),
    /** The token signing key itself (PKCS#8 PEM), instead of JWT_PRIVATE_KEY_FILE. */
    JWT_PRIVATE_KEY: z.string().min(1).optional(),
    /**
     * How long an access token stays valid. Short, because the edge verifies it alone: a revoked
     * session's token is refused through the revocation list, which keeps each entry this long.
     * Set the same value at the edge.
     */
    ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
    /** How long a refresh token stays valid unused; each refresh gives a new one with this life. */
    REFRESH_TOKEN_TTL_SECONDS: z.coerce
      .number()
      .int()
      .min(60)
      .default(30 * 86_400),
    /**
     * A refresh token rotated away less than this ago still refreshes (rotating again) instead of
     * counting as reuse: a client whose refresh answer was lost (a tab reloaded mid-request, a
     * dropped connection) would otherwise end its own session. 0: every second use is reuse.
     */
    REFRESH_REUSE_GRACE_SECONDS: z.coerce.number().int().min(0).max(60).default(10),
    /**
     * Password hashes computed at once (scrypt, 32 MiB and one libuv thread each): at most
     * UV_THREADPOOL_SIZE (4 by default), or the hashes only queue inside libuv instead.
     */
    HASH_CONCURRENCY: z.coerce.number().int().min(1).default(4),
    /** Hashes waiting for a slot; one more is refused at once (`overloaded`: 503 + Retry-After). */
    HASH_QUEUE_MAX: z.coerce.number().int().min(0).default(8),
  })
  .refine((e) => e.JWT_PRIVATE_KEY_FILE || e.JWT_PRIVATE_KEY, {
    message: 'set JWT_PRIVATE_KEY_FILE (path to the Ed25519 token private key, PKCS#8 PEM) or JWT_PRIVATE_KEY',
    path: ['JWT_PRIVATE_KEY_FILE'],
  });

export type IdentityConfig = z.output<typeof IdentityEnv>;

export function loadIdentityConfig(env: NodeJS.ProcessEnv = process.env): IdentityConfig {
  return parseEnv(IdentityEnv, env);
}
