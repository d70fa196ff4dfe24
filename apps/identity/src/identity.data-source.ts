import { createDataSource } from '#persistence';
import { UserEntity } from './entities/user.entity.js';
import { CreateUsers1764288000000 } from './migrations/1764288000000-create-users.js';
import { CreateSessions1765152000000 } from './migrations/1765152000000-create-sessions.js';
import { CreateOutbox1765152000001 } from './migrations/1765152000001-create-outbox.js';
import { AddOutboxHeaders1765152000002 } from './migrations/1765152000002-add-outbox-headers.js';
import { AnnounceExistingUsers1765152000300 } from './migrations/1765152000300-announce-existing-users.js';
import { AddOutboxSequence1765600000000 } from './migrations/1765600000000-add-outbox-sequence.js';
import type { IdentityConfig } from './identity.config.js';

export function createIdentityDataSource(c: IdentityConfig) {
  return createDataSource({
    url: c.DATABASE_URL,
    schema: c.IDENTITY_DB_SCHEMA,
    entities: [UserEntity],
    migrations: [
      CreateUsers1764288000000,
      CreateSessions1765152000000,
      CreateOutbox1765152000001,
      AddOutboxHeaders1765152000002,
      AnnounceExistingUsers1765152000300,
      AddOutboxSequence1765600000000,
    ],
    poolSize: c.DB_POOL_SIZE,
    connectTimeoutMs: c.DB_CONNECT_TIMEOUT_MS,
    statementTimeoutMs: c.DB_STATEMENT_TIMEOUT_MS,
    applicationName: 'identity',
  });
}
