import { databaseEnv, eventsEnv, meshEnv, outboxEnv, parseEnv, z } from '#runtime';

/** The variables graph reads, exported for the generated config table (docs/operations.md). */
export const GraphEnv = z.object({
  ...meshEnv,
  ...databaseEnv,
  ...eventsEnv,
  ...outboxEnv,
  /** The service's schema; tests use a fresh one per run. */
  GRAPH_DB_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/)
    .default('graph'),
});

export type GraphConfig = z.output<typeof GraphEnv>;

export function loadGraphConfig(env: NodeJS.ProcessEnv = process.env): GraphConfig {
  return parseEnv(GraphEnv, env);
}
