// Starts one identity replica: the signing key first (a bad key stops it at once), then the
// database (retrying while PostgreSQL is down), then the mesh.
import { runDatabaseService, type RunningService } from '#service';
import { createLogger } from '#runtime';
import type { IdentityConfig } from './identity.config.js';
import { createIdentityDataSource } from './identity.data-source.js';
import { HashQueue } from './hash-queue.js';
import { IdentityModule } from './identity.module.js';
import { loadPrivateKey, TokenSigner } from './token-signer.js';

export const IDENTITY_VERSION = '0.1.0';

export async function startIdentity(c: IdentityConfig, o: { handleSignals?: boolean } = {}): Promise<RunningService> {
  const logger = createLogger({ service: 'identity', level: c.LOG_LEVEL, format: c.LOG_FORMAT });
  const privateKey = loadPrivateKey({ pem: c.JWT_PRIVATE_KEY, file: c.JWT_PRIVATE_KEY_FILE });
  const tokens = new TokenSigner(privateKey, c.ACCESS_TOKEN_TTL_SECONDS);
  const sessions = {
    accessTokenTtlSeconds: c.ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlSeconds: c.REFRESH_TOKEN_TTL_SECONDS,
    reuseGraceMs: c.REFRESH_REUSE_GRACE_SECONDS * 1000,
  };
  // Opened by runDatabaseService, which retries (visibly, in the mesh) while PostgreSQL is down.
  const dataSource = createIdentityDataSource(c);
  const hashing = new HashQueue(c.HASH_CONCURRENCY, c.HASH_QUEUE_MAX, (kind, stats) =>
    // refused: the queue was full; expired: its caller's deadline passed while it waited.
    logger.warn({ hashQueue: stats }, kind === 'refused' ? 'hash queue full: refused' : 'dropped an abandoned hash'),
  );
  return runDatabaseService({
    service: 'identity',
    version: IDENTITY_VERSION,
    env: c,
    logger,
    dataSource,
    schema: c.IDENTITY_DB_SCHEMA,
    // identity publishes events.identity.sessions.revoked and users.created through its outbox and consumes none.
    events: { env: c, outbox: c },
    module: (_client, { outbox }) => IdentityModule.register(dataSource, tokens, outbox!, sessions, hashing),
    handleSignals: o.handleSignals,
  });
}
