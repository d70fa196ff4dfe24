// Starts one comments replica: database first (retrying while PostgreSQL is down), then its
// own NATS connection for asking posts, then the mesh.
import { classifyDatabaseError, openDatabase } from '#persistence';
import { connectNats, createLogger, MeshClient, runService, type RunningService } from '#mesh';
import type { CommentsConfig } from './comments.config.js';
import { createCommentsDataSource } from './comments.data-source.js';
import { CommentsModule } from './comments.module.js';

export const COMMENTS_VERSION = '0.1.0';

export async function startComments(c: CommentsConfig, o: { handleSignals?: boolean } = {}): Promise<RunningService> {
  const logger = createLogger({ service: 'comments', level: c.LOG_LEVEL });
  const dataSource = await openDatabase(createCommentsDataSource(c), { schema: c.COMMENTS_DB_SCHEMA, logger });
  // A connection of its own: the module needs its client before runService connects the
  // server, and closing it only after the drain lets creates still in flight hear from posts.
  const nc = await connectNats({ url: c.NATS_URL, name: 'comments-client', pingIntervalMs: c.NATS_PING_INTERVAL_MS });
  const mesh = new MeshClient(nc, { defaultTimeoutMs: c.POSTS_TIMEOUT_MS });
  try {
    return await runService({
      module: CommentsModule.register({ dataSource, mesh, postsTimeoutMs: c.POSTS_TIMEOUT_MS }),
      service: 'comments',
      version: COMMENTS_VERSION,
      natsUrl: c.NATS_URL,
      pingIntervalMs: c.NATS_PING_INTERVAL_MS,
      drainTimeoutMs: c.DRAIN_TIMEOUT_MS,
      logger,
      classifyError: classifyDatabaseError,
      handleSignals: o.handleSignals,
      // After the drain: nothing in flight needs posts or the database any more.
      onStopped: async () => {
        await nc.close();
        await dataSource.destroy();
      },
    });
  } catch (err) {
    await nc.close();
    await dataSource.destroy();
    throw err;
  }
}
