// Starts one posts replica: database first (retrying while PostgreSQL is down), then the mesh.
import { runDatabaseService, type RunningService } from '#service';
import { createLogger } from '#runtime';
import type { PostsConfig } from './posts.config.js';
import { createPostsDataSource } from './posts.data-source.js';
import { PostsModule } from './posts.module.js';
import { PostsEventHandlers } from './posts.event-handlers.js';

export const POSTS_VERSION = '0.1.0';

export async function startPosts(c: PostsConfig, o: { handleSignals?: boolean } = {}): Promise<RunningService> {
  const logger = createLogger({ service: 'posts', level: c.LOG_LEVEL, format: c.LOG_FORMAT });
  // Opened by runDatabaseService, which retries (visibly, in the mesh) while PostgreSQL is down.
  const dataSource = createPostsDataSource(c);
  return runDatabaseService({
    service: 'posts',
    version: POSTS_VERSION,
    env: c,
    logger,
    dataSource,
    schema: c.POSTS_DB_SCHEMA,
    // posts publishes events.posts.* through its outbox and consumes identity's users.created
    // (its projection of users, which resolves mentions).
    events: { env: c, outbox: c, handlers: PostsEventHandlers },
    module: (_client, { outbox }) => PostsModule.register(dataSource, outbox!),
    handleSignals: o.handleSignals,
  });
}
