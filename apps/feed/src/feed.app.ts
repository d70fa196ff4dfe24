// Starts one feed replica: database first (retrying while PostgreSQL is down), then the mesh,
// then its event consumers (posts created/deleted, follows/unfollows): feeds are built from events
// and read over feed.*; feed is never in a write's path. It asks graph and posts only to rebuild
// feeds from them (feed.rebuild), on its events connection.
import { runDatabaseService, type RunningService } from '#service';
import { createLogger } from '#runtime';
import { serviceMeshClient } from '#mesh';
import { FeedSourcesClient } from './feed-sources.client.js';
import type { FeedConfig } from './feed.config.js';
import { createFeedDataSource } from './feed.data-source.js';
import { FeedModule } from './feed.module.js';
import { FeedEventHandlers } from './feed.event-handlers.js';

export const FEED_VERSION = '0.1.0';

export async function startFeed(c: FeedConfig, o: { handleSignals?: boolean } = {}): Promise<RunningService> {
  const logger = createLogger({ service: 'feed', level: c.LOG_LEVEL, format: c.LOG_FORMAT });
  const dataSource = createFeedDataSource(c);
  return runDatabaseService({
    service: 'feed',
    version: FEED_VERSION,
    env: c,
    logger,
    dataSource,
    schema: c.FEED_DB_SCHEMA,
    events: { env: c, handlers: FeedEventHandlers },
    module: (nc) =>
      FeedModule.register(
        dataSource,
        c,
        new FeedSourcesClient(serviceMeshClient(nc!, c.FEED_SOURCE_TIMEOUT_MS), c.FEED_SOURCE_TIMEOUT_MS),
        logger.child({ component: 'sizes' }),
      ),
    handleSignals: o.handleSignals,
  });
}
