import { createDataSource } from '#persistence';
import { FollowEntity } from './entities/follow.entity.js';
import { CreateFollows1765152000000 } from './migrations/1765152000000-create-follows.js';
import { CreateIdempotencyKeys1765152000001 } from './migrations/1765152000001-create-idempotency-keys.js';
import { CreateOutbox1765152000002 } from './migrations/1765152000002-create-outbox.js';
import { AddOutboxHeaders1765152000003 } from './migrations/1765152000003-add-outbox-headers.js';
import { AddFollowVersion1765152000004 } from './migrations/1765152000004-add-follow-version.js';
import { AddOutboxSequence1765600000000 } from './migrations/1765600000000-add-outbox-sequence.js';
import type { GraphConfig } from './graph.config.js';

export function createGraphDataSource(c: GraphConfig) {
  return createDataSource({
    url: c.DATABASE_URL,
    schema: c.GRAPH_DB_SCHEMA,
    entities: [FollowEntity],
    migrations: [
      CreateFollows1765152000000,
      CreateIdempotencyKeys1765152000001,
      CreateOutbox1765152000002,
      AddOutboxHeaders1765152000003,
      AddFollowVersion1765152000004,
      AddOutboxSequence1765600000000,
    ],
    poolSize: c.DB_POOL_SIZE,
    connectTimeoutMs: c.DB_CONNECT_TIMEOUT_MS,
    statementTimeoutMs: c.DB_STATEMENT_TIMEOUT_MS,
    applicationName: 'graph',
  });
}
