// Config parsing shared by every app's `<app>.config.ts`: validate once at start and fail with
// the variable's name.
import { z } from 'zod';
import { LogLevels, type LogLevel } from './logger.js';

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

/** Variables every mesh member reads. */
export const meshEnv = {
  NATS_URL: z.string().min(1).default('nats://127.0.0.1:4222'),
  LOG_LEVEL: z.enum(LogLevels as [LogLevel, ...LogLevel[]]).default('info'),
  DRAIN_TIMEOUT_MS: int(10_000, 100),
  NATS_PING_INTERVAL_MS: int(10_000, 100),
};

/** Variables every service with a database reads. */
export const databaseEnv = {
  DATABASE_URL: z.string().min(1).default('postgres://postgres@127.0.0.1:5432/postgres'),
  DB_POOL_SIZE: int(10, 1),
  DB_CONNECT_TIMEOUT_MS: int(1000, 50),
  DB_STATEMENT_TIMEOUT_MS: int(5000, 50),
};

export { z };
