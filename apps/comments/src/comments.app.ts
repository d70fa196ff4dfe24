// Starts one comments replica: database first (retrying while PostgreSQL is down), then its
// own NATS connection for asking posts and consuming events, then the mesh, then the events.
import { runDatabaseService, type RunningService } from '#service';
import { createLogger } from '#runtime';
import { serviceMeshClient } from '#mesh';
import type { CommentsConfig } from './comments.config.js';
import { createCommentsDataSource } from './comments.data-source.js';
import { CommentsModule } from './comments.module.js';
import { CommentsEventHandlers } from './comments.event-handlers.js';

export const COMMENTS_VERSION = '0.1.0';

export async function startComments(c: CommentsConfig, o: { handleSignals?: boolean } = {}): Promise<RunningService> {
  const logger = createLogger({ service: 'comments', level: c.LOG_LEVEL, format: c.LOG_FORMAT });
  // Opened by runDatabaseService, which retries (visibly, in the mesh) while PostgreSQL is down.
  const dataSource = createCommentsDataSource(c);
  return runDatabaseService({
    service: 'comments',
    version: COMMENTS_VERSION,
    env: c,
    logger,
    dataSource,
    schema: c.COMMENTS_DB_SCHEMA,
    clientConnection: 'comments-client',
    // comments publishes events.comments.* through its outbox and consumes events.posts.deleted.
    events: { env: c, outbox: c, handlers: CommentsEventHandlers },
    module: (nc, { outbox }) => {
      const mesh = serviceMeshClient(nc!, c.POSTS_TIMEOUT_MS);
      return CommentsModule.register({ dataSource, mesh, postsTimeoutMs: c.POSTS_TIMEOUT_MS, outbox: outbox! });
    },
    handleSignals: o.handleSignals,
  });
}
