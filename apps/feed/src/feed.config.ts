import { databaseEnv, eventsEnv, meshEnv, parseEnv, z } from '#runtime';

/** The variables feed reads, exported for the generated config table (docs/operations.md). */
export const FeedEnv = z.object({
  ...meshEnv,
  ...databaseEnv,
  ...eventsEnv,
  /** The service's schema; tests use a fresh one per run. */
  FEED_DB_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/)
    .default('feed'),
  /**
   * Followers' feeds written per transaction when a post fans out. An author with many
   * followers fans out in several batches, one batch at a time per replica for all such
   * authors, so other authors' posts interleave instead of waiting it out.
   */
  FEED_FANOUT_BATCH: z.coerce.number().int().min(1).max(100_000).default(1000),
  /**
   * How often a replica writes the feed sizes it counted (items in and out since the last time)
   * and trims the feeds past FEED_MAX_ITEMS, in one transaction: counting them in each fan-out's
   * own transaction made posts whose authors share followers wait for each other's commits.
   */
  FEED_SIZE_FLUSH_MS: z.coerce.number().int().min(10).max(60_000).default(250),
  /** A feed keeps its newest this many posts; older ones are trimmed (a little later). */
  FEED_MAX_ITEMS: z.coerce.number().int().min(10).max(100_000).default(800),
  /**
   * Deadline of each page a rebuild (feed.rebuild) asks of graph or posts; the whole rebuild is
   * bounded by its caller's deadline (the `mesh feed rebuild` CLI's --timeout).
   */
  FEED_SOURCE_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /**
   * Feeds a rebuild recomputes per transaction. Each transaction holds feed's rebuild gate, which
   * follows, unfollows and deletes handled meanwhile wait for (their feed lag, never a write's).
   */
  FEED_REBUILD_BATCH: z.coerce.number().int().min(1).max(10_000).default(50),
});

export type FeedConfig = z.output<typeof FeedEnv>;

export function loadFeedConfig(env: NodeJS.ProcessEnv = process.env): FeedConfig {
  return parseEnv(FeedEnv, env);
}
