// Starts one messaging replica: database first (retrying while PostgreSQL is down), then its own
// NATS connection for asking identity and publishing live deliveries, then the mesh.
import { runDatabaseService, type RunningService } from '#service';
import { createLogger } from '#runtime';
import { serviceMeshClient } from '#mesh';
import { IdentityClient } from './identity.client.js';
import { LivePublisher } from './live-publisher.js';
import type { MessagingConfig } from './messaging.config.js';
import { createMessagingDataSource } from './messaging.data-source.js';
import { MessagingModule } from './messaging.module.js';

export const MESSAGING_VERSION = '0.1.0';

export async function startMessaging(c: MessagingConfig, o: { handleSignals?: boolean } = {}): Promise<RunningService> {
  const logger = createLogger({ service: 'messaging', level: c.LOG_LEVEL, format: c.LOG_FORMAT });
  // Opened by runDatabaseService, which retries (visibly, in the mesh) while PostgreSQL is down.
  const dataSource = createMessagingDataSource(c);
  return runDatabaseService({
    service: 'messaging',
    version: MESSAGING_VERSION,
    env: c,
    logger,
    dataSource,
    schema: c.MESSAGING_DB_SCHEMA,
    clientConnection: 'messaging-client',
    module: (nc) => {
      const identity = new IdentityClient(serviceMeshClient(nc!, c.IDENTITY_TIMEOUT_MS), c.IDENTITY_TIMEOUT_MS);
      return MessagingModule.register(dataSource, identity, new LivePublisher(nc!, logger));
    },
    handleSignals: o.handleSignals,
  });
}
