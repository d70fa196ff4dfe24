// The pg pool under a TypeORM data source, for the few hot reads where TypeORM's query
// building cost more CPU than the query itself (measured: ~8% of a posts replica at load).
// Same pool, same timeouts, same error classification; named statements are prepared once
// per connection.
import type pg from 'pg';
import type { DataSource } from 'typeorm';

export function pgPool(ds: DataSource): pg.Pool {
  const pool = (ds.driver as unknown as { master?: pg.Pool }).master;
  if (!pool) throw new Error('the data source is not initialised');
  return pool;
}

/** `"schema"."table"` for the data source's own schema. */
export function qualifiedTable(ds: DataSource, table: string): string {
  const schema = (ds.options as { schema?: string }).schema ?? 'public';
  return `"${schema.replace(/"/g, '""')}"."${table.replace(/"/g, '""')}"`;
}
