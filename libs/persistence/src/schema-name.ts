import type { QueryRunner } from 'typeorm';

/**
 * The quoted schema of the data source a migration runs in. Raw SQL in a migration must name
 * it: an unqualified table would land in `public` while the migrations table is in the schema.
 */
export function schemaOf(q: QueryRunner): string {
  const schema = (q.connection.options as { schema?: string }).schema;
  if (!schema) throw new Error('the data source has no schema');
  return `"${schema.replace(/"/g, '""')}"`;
}
