// Starts one media replica: database first (retrying while PostgreSQL is down), then its own
// NATS connection for the object store (creating the bucket if needed), then the mesh.
import { classifyDatabaseError, openDatabase } from '#persistence';
import { connectNats, createLogger, runService, type RunningService } from '#mesh';
import type { MediaConfig } from './media.config.js';
import { createMediaDataSource } from './media.data-source.js';
import { MediaModule } from './media.module.js';
import { MediaStore } from './media-store.js';

export const MEDIA_VERSION = '0.1.0';

export async function startMedia(c: MediaConfig, o: { handleSignals?: boolean } = {}): Promise<RunningService> {
  const logger = createLogger({ service: 'media', level: c.LOG_LEVEL });
  const dataSource = await openDatabase(createMediaDataSource(c), { schema: c.MEDIA_DB_SCHEMA, logger });
  // The object store goes over a connection of its own: the server's connection exists only
  // once Nest listens, and it is drained on stop while in-flight handlers may still be writing.
  const nc = await connectNats({ url: c.NATS_URL, name: 'media-store', pingIntervalMs: c.NATS_PING_INTERVAL_MS });
  const closeClient = () => nc.drain().catch(() => nc.close());
  try {
    const store = await MediaStore.open(nc, { bucket: c.MEDIA_BUCKET, replicas: c.MEDIA_BUCKET_REPLICAS });
    return await runService({
      module: MediaModule.register(dataSource, store, {
        maxPixels: c.MAX_PIXELS,
        thumbnailMaxPx: c.THUMBNAIL_MAX_PX,
      }),
      service: 'media',
      version: MEDIA_VERSION,
      natsUrl: c.NATS_URL,
      pingIntervalMs: c.NATS_PING_INTERVAL_MS,
      drainTimeoutMs: c.DRAIN_TIMEOUT_MS,
      logger,
      classifyError: classifyDatabaseError,
      handleSignals: o.handleSignals,
      // After the mesh has drained, so no handler is still using either.
      onStopped: async () => {
        await closeClient();
        await dataSource.destroy();
      },
    });
  } catch (err) {
    await closeClient();
    await dataSource.destroy();
    throw err;
  }
}
