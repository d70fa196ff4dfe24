// Migrations run at start, under a PostgreSQL advisory lock: replicas that start together
// queue behind one another instead of racing on the same DDL.
import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';

export async function migrateWithLock(ds: DataSource, schema: string, logger: Logger): Promise<string[]> {
  const runner = ds.createQueryRunner();
  await runner.connect();
  const lockKey = `failsoft.migrations.${schema}`;
  try {
    await runner.query('SELECT pg_advisory_lock(hashtext($1))', [lockKey]);
    // Only when it is missing: a service's role owns its schema but may not create schemas, and
    // PostgreSQL checks that right before it looks whether the schema exists (IF NOT EXISTS).
    const exists = (await runner.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])) as unknown[];
    if (exists.length === 0) await runner.query(`CREATE SCHEMA "${schema.replace(/"/g, '""')}"`);
    const applied = await ds.runMigrations({ transaction: 'each' });
    const names = applied.map((m) => m.name);
    if (names.length > 0) logger.info({ schema, migrations: names }, 'migrations applied');
    return names;
  } finally {
    await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey]).catch(() => undefined);
    await runner.release();
  }
}
