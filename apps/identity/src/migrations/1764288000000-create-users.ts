import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '#persistence';

export class CreateUsers1764288000000 implements MigrationInterface {
  name = 'CreateUsers1764288000000';

  // `user` is a reserved word in PostgreSQL: always quoted.
  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`
      CREATE TABLE ${s}."user" (
        id uuid NOT NULL,
        username varchar(32) NOT NULL,
        display_name varchar(64) NOT NULL,
        password_hash text NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT "PK_user" PRIMARY KEY (id),
        CONSTRAINT "UQ_user_username" UNIQUE (username)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`DROP TABLE ${s}."user"`);
  }
}
