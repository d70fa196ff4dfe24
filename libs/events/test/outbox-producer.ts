// A producing service in miniature, for the outbox tests: its schema (a `thing` table and the
// outbox with every outbox migration), migrated, and its write path (a change and its event in
// one transaction).
import { randomUUID } from 'node:crypto';
import type { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { Events, type PostDeletedEvent } from '#contracts';
import type { Logger } from 'pino';
import { Outbox, OutboxHeadersMigration, OutboxMigration, OutboxSequenceMigration } from '#events';
import { createDataSource, inTransaction, migrateWithLock, pgPool, schemaOf } from '#persistence';
import { TEST_DATABASE_URL } from '#testing';

class CreateThing1700000000000 implements MigrationInterface {
  name = 'CreateThing1700000000000';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE ${schemaOf(q)}.thing (id uuid PRIMARY KEY)`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ${schemaOf(q)}.thing`);
  }
}
class CreateOutbox1700000000001 extends OutboxMigration {
  name = 'CreateOutbox1700000000001';
}
class AddOutboxHeaders1700000000002 extends OutboxHeadersMigration {
  name = 'AddOutboxHeaders1700000000002';
}
class AddOutboxSequence1700000000003 extends OutboxSequenceMigration {
  name = 'AddOutboxSequence1700000000003';
}

export interface OutboxProducer {
  ds: DataSource;
  outbox: Outbox;
  /** A post deleted: its `thing` row and its event, one transaction (`fail`: rolled back after the event). */
  deletePost: (o?: { fail?: boolean }) => Promise<PostDeletedEvent>;
}

export async function startOutboxProducer(schema: string, logger: Logger): Promise<OutboxProducer> {
  const ds = createDataSource({
    url: TEST_DATABASE_URL,
    schema,
    entities: [],
    migrations: [
      CreateThing1700000000000,
      CreateOutbox1700000000001,
      AddOutboxHeaders1700000000002,
      AddOutboxSequence1700000000003,
    ],
  });
  await ds.initialize();
  await migrateWithLock(ds, schema, logger);
  const outbox = new Outbox(ds);
  const deletePost = (o: { fail?: boolean } = {}) =>
    inTransaction(pgPool(ds), {}, async (_client, tx) => {
      const postId = randomUUID();
      await tx.db.query(`INSERT INTO "${schema}".thing (id) VALUES ($1)`, [postId]);
      const event = await outbox.add(tx, Events.posts.deleted, { postId, authorId: randomUUID(), mediaIds: [] });
      if (o.fail) throw new Error('the write failed after adding its event');
      return event;
    });
  return { ds, outbox, deletePost };
}
