// One TypeORM data source per service: its own schema, its own migrations table, never
// `synchronize`, and timeouts on everything that could otherwise hang.
import { DataSource, type MixedList, type EntitySchema } from 'typeorm';

export interface DatabaseOptions {
  url: string;
  /** The service's own PostgreSQL schema; nobody else reads it. */
  schema: string;
  entities: MixedList<Function | string | EntitySchema>;
  migrations: MixedList<Function | string>;
  poolSize?: number;
  /** A pool that cannot hand out a connection within this fails the query (503), not hangs. */
  connectTimeoutMs?: number;
  statementTimeoutMs?: number;
  applicationName?: string;
}

export function createDataSource(o: DatabaseOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: o.url,
    schema: o.schema,
    entities: o.entities,
    migrations: o.migrations,
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    logging: false,
    // Keep the pool's own errors (a connection killed by a restart) from crashing the process.
    poolErrorHandler: () => undefined,
    extra: {
      max: o.poolSize ?? 10,
      connectionTimeoutMillis: o.connectTimeoutMs ?? 1000,
      statement_timeout: o.statementTimeoutMs ?? 5000,
      // Our transactions last milliseconds; one idle for seconds belongs to a replica frozen (SIGSTOP)
      // or stalled mid-write. PostgreSQL then ends it, releasing its row locks (an idempotency
      // key's, say) so the retry on a live replica can proceed instead of waiting for the thaw.
      idle_in_transaction_session_timeout: 3000,
      application_name: o.applicationName ?? o.schema,
    },
  });
}
