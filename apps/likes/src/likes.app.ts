// Starts one likes replica: database first (retrying while PostgreSQL is down), then its own
// NATS connection for asking posts and consuming events, then the mesh, then the events.
import { runDatabaseService, type RunningService } from '#service';
import { createLogger } from '#runtime';
import { serviceMeshClient } from '#mesh';
import type { LikesConfig } from './likes.config.js';
import { createLikesDataSource } from './likes.data-source.js';
import { LikesModule } from './likes.module.js';
import { PostsClient } from './posts.client.js';
import { LikesEventHandlers } from './likes.event-handlers.js';

export const LIKES_VERSION = '0.1.0';

export async function startLikes(c: LikesConfig, o: { handleSignals?: boolean } = {}): Promise<RunningService> {
  const logger = createLogger({ service: 'likes', level: c.LOG_LEVEL, format: c.LOG_FORMAT });
  // Opened by runDatabaseService, which retries (visibly, in the mesh) while PostgreSQL is down.
  const dataSource = createLikesDataSource(c);
  return runDatabaseService({
    service: 'likes',
    version: LIKES_VERSION,
    env: c,
    logger,
    dataSource,
    schema: c.LIKES_DB_SCHEMA,
    clientConnection: 'likes-client',
    // likes publishes events.likes.* through its outbox and consumes events.posts.deleted.
    events: { env: c, outbox: c, handlers: LikesEventHandlers },
    module: (nc, { outbox }) => {
      const posts = new PostsClient(serviceMeshClient(nc!, c.POSTS_TIMEOUT_MS), c.POSTS_TIMEOUT_MS);
      return LikesModule.register(dataSource, posts, outbox!);
    },
    handleSignals: o.handleSignals,
  });
}
