// The `outbox` table of outbox.ts, as a migration every service that publishes events lists in
// its own data source, through a file of its own with its own timestamp:
//
//   export class CreateOutbox1764892800000 extends OutboxMigration {
//     name = 'CreateOutbox1764892800000';
//   }
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '#persistence';

export abstract class OutboxMigration implements MigrationInterface {
  abstract name: string;

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    // id is the event id, which is also the JetStream Nats-Msg-Id of its publish.
    await q.query(`
      CREATE TABLE ${s}.outbox (
        id uuid NOT NULL,
        subject text NOT NULL,
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        published_at timestamptz,
        CONSTRAINT "PK_outbox" PRIMARY KEY (id)
      )`);
    // What the relay claims, oldest first; it stays as small as the backlog.
    await q.query(`CREATE INDEX "IDX_outbox_unpublished" ON ${s}.outbox (created_at) WHERE published_at IS NULL`);
    // What the prune removes.
    await q.query(`CREATE INDEX "IDX_outbox_published" ON ${s}.outbox (published_at) WHERE published_at IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ${schemaOf(q)}.outbox`);
  }
}

/**
 * The outbox's `headers` column: the NATS headers an event is published with (the request id and
 * W3C trace context of the write that produced it), so a consumer's log lines and spans join the
 * request's. A migration of its own because the table above may already exist.
 *
 *   export class AddOutboxHeaders1764979200000 extends OutboxHeadersMigration {
 *     name = 'AddOutboxHeaders1764979200000';
 *   }
 */
export abstract class OutboxHeadersMigration implements MigrationInterface {
  abstract name: string;

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ${schemaOf(q)}.outbox ADD COLUMN headers jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ${schemaOf(q)}.outbox DROP COLUMN headers`);
  }
}

/**
 * The outbox's `stream_seq` and `republished` columns: the stream sequence JetStream acknowledged
 * each row at, which the relay checks after a change of the stream's leader (an acknowledged
 * message can be lost there: outbox-relay.ts), and how often a row found lost was published
 * again (its Nats-Msg-Id then carries the count, past the duplicate window's memory of the lost
 * one). A migration of its own because the table above may already exist.
 *
 *   export class AddOutboxSequence1765600000000 extends OutboxSequenceMigration {
 *     name = 'AddOutboxSequence1765600000000';
 *   }
 */
export abstract class OutboxSequenceMigration implements MigrationInterface {
  abstract name: string;

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(
      `ALTER TABLE ${s}.outbox ADD COLUMN stream_seq bigint, ADD COLUMN republished integer NOT NULL DEFAULT 0`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ${schemaOf(q)}.outbox DROP COLUMN stream_seq, DROP COLUMN republished`);
  }
}
