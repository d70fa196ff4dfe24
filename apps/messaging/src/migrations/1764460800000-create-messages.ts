import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '#persistence';

export class CreateMessages1764460800000 implements MigrationInterface {
  name = 'CreateMessages1764460800000';

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`
      CREATE TABLE ${s}.message (
        id uuid NOT NULL,
        from_id uuid NOT NULL,
        from_username varchar(32) NOT NULL,
        from_display_name varchar(64) NOT NULL,
        to_id uuid NOT NULL,
        to_username varchar(32) NOT NULL,
        to_display_name varchar(64) NOT NULL,
        text text NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        pair_lo uuid GENERATED ALWAYS AS (LEAST(from_id, to_id)) STORED,
        pair_hi uuid GENERATED ALWAYS AS (GREATEST(from_id, to_id)) STORED,
        CONSTRAINT "PK_message" PRIMARY KEY (id),
        CONSTRAINT "CHK_message_text_length" CHECK (char_length(text) BETWEEN 1 AND 2000),
        CONSTRAINT "CHK_message_not_to_self" CHECK (from_id <> to_id)
      )`);
    // A conversation's pages, newest first: the unordered pair, then the keyset. Stored columns,
    // not an index on the LEAST/GREATEST expressions: with the expressions PostgreSQL 15 chose a
    // bitmap scan plus a sort of the whole conversation (measured: 667 rows read for a page of
    // 21); on the columns it walks the index and stops after the page.
    await q.query(`CREATE INDEX "IDX_message_pair_created" ON ${s}.message
      (pair_lo, pair_hi, created_at DESC, id DESC)`);
    // "My conversation with <username>" and "all my conversations": one user's side of each pair.
    await q.query(`CREATE INDEX "IDX_message_from_to_username" ON ${s}.message (from_id, to_username)`);
    await q.query(`CREATE INDEX "IDX_message_to_from_username" ON ${s}.message (to_id, from_username)`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`DROP TABLE ${s}.message`);
  }
}
