import { databaseEnv, meshEnv, parseEnv, z } from '#runtime';

/** The variables identity reads, exported for the generated config table (docs/operations.md). */
export const IdentityEnv = z
  .object({
    ...meshEnv,
    ...databaseEnv,
    /** The service's schema; tests use a fresh one per run. */
    IDENTITY_DB_SCHEMA: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/)
      .default('identity'),
    /** The token signing key: a path to the PKCS#8 PEM of an Ed25519 key, or the PEM itself. */
    JWT_PRIVATE_KEY_FILE: z.string().min(1).optional(),
    /** The token signing key itself (PKCS#8 PEM), instead of JWT_PRIVATE_KEY_FILE. */
    JWT_PRIVATE_KEY: z.string().min(1).optional(),
    /** How long a token stays valid; the edge cannot revoke one earlier. */
    JWT_TTL_SECONDS: z.coerce.number().int().min(60).default(86_400),
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
