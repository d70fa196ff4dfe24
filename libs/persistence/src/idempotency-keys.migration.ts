// The `idempotency_key` table of idempotent-writes.ts, as a migration every service with keyed
// writes lists in its own data source, through a file of its own with its own timestamp:
//
//   export class CreateIdempotencyKeys1764806400000 extends IdempotencyKeysMigration {
//     name = 'CreateIdempotencyKeys1764806400000';
//   }
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from './schema-name.js';

export abstract class IdempotencyKeysMigration implements MigrationInterface {
  abstract name: string;

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    // `reply` is json, not jsonb: it is only ever handed back, never queried into, and json keeps
    // the text as written, so a replay answers the very bytes (key order included) of the first.
    // It is NULL only inside the transaction that claimed the key; a committed row has its reply.
    await q.query(`
      CREATE TABLE ${s}.idempotency_key (
        scope text NOT NULL,
        key text NOT NULL,
        operation text NOT NULL,
        request_hash text NOT NULL,
        reply json,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "PK_idempotency_key" PRIMARY KEY (scope, key)
      )`);
    // The hourly sweep of keys older than 24 h.
    await q.query(`CREATE INDEX "IDX_idempotency_key_created" ON ${s}.idempotency_key (created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ${schemaOf(q)}.idempotency_key`);
  }
}
