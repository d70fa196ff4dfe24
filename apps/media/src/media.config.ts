import { databaseEnv, eventsEnv, meshEnv, parseEnv, z } from '#runtime';

/** The variables media reads, exported for the generated config table (docs/operations.md). */
export const MediaEnv = z.object({
  ...meshEnv,
  ...databaseEnv,
  ...eventsEnv,
  /** The service's schema; tests use a fresh one per run. */
  MEDIA_DB_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/)
    .default('media'),
  /** The JetStream object store bucket every edge and media replica shares. */
  MEDIA_BUCKET: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .default('media'),
  /** Largest image accepted, in decoded pixels (width × height), judged from the header. */
  MAX_PIXELS: z.coerce.number().int().min(1).default(40_000_000),
  /** The thumbnail's longer side at most. */
  THUMBNAIL_MAX_PX: z.coerce.number().int().min(16).max(4096).default(320),
});

export type MediaConfig = z.output<typeof MediaEnv>;

export function loadMediaConfig(env: NodeJS.ProcessEnv = process.env): MediaConfig {
  return parseEnv(MediaEnv, env);
}
