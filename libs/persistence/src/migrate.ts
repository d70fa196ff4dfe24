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
    await runner.query(`CREATE SCHEMA IF NOT EXISTS "${schema.replace(/"/g, '""')}"`);
    const applied = await ds.runMigrations({ transaction: 'each' });
    const names = applied.map((m) => m.name);
    if (names.length > 0) logger.info({ schema, migrations: names }, 'migrations applied');
    return names;
  } finally {
    await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey]).catch(() => undefined);
    await runner.release();
  }
}
