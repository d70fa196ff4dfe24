import { createDataSource } from '#persistence';
import { UserEntity } from './entities/user.entity.js';
import { CreateUsers1764288000000 } from './migrations/1764288000000-create-users.js';
import type { IdentityConfig } from './identity.config.js';

export function createIdentityDataSource(c: IdentityConfig) {
  return createDataSource({
    url: c.DATABASE_URL,
    schema: c.IDENTITY_DB_SCHEMA,
    entities: [UserEntity],
    migrations: [CreateUsers1764288000000],
    poolSize: c.DB_POOL_SIZE,
    connectTimeoutMs: c.DB_CONNECT_TIMEOUT_MS,
    statementTimeoutMs: c.DB_STATEMENT_TIMEOUT_MS,
    applicationName: 'identity',
  });
}
