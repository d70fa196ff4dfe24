import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '#persistence';

/**
 * Sessions: one per sign-in, holding only the sha256 of its current refresh token. A rotated
 * token's hash moves to `session_retired_token`, so presenting it again is recognised as reuse
 * (the token was stolen, or copied) and ends the whole session.
 */
export class CreateSessions1765152000000 implements MigrationInterface {
  name = 'CreateSessions1765152000000';

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`
      CREATE TABLE ${s}.session (
        id uuid NOT NULL,
        user_id uuid NOT NULL,
        refresh_hash bytea NOT NULL,
        generation integer NOT NULL DEFAULT 0,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        last_used_at timestamptz(3) NOT NULL DEFAULT now(),
        expires_at timestamptz(3) NOT NULL,
        revoked_at timestamptz(3),
        CONSTRAINT "PK_session" PRIMARY KEY (id),
        CONSTRAINT "UQ_session_refresh_hash" UNIQUE (refresh_hash),
        CONSTRAINT "FK_session_user" FOREIGN KEY (user_id) REFERENCES ${s}."user"(id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX "IDX_session_user" ON ${s}.session (user_id) WHERE revoked_at IS NULL`);
    await q.query(`
      CREATE TABLE ${s}.session_retired_token (
        refresh_hash bytea NOT NULL,
        session_id uuid NOT NULL,
        retired_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT "PK_session_retired_token" PRIMARY KEY (refresh_hash),
        CONSTRAINT "FK_session_retired_token_session" FOREIGN KEY (session_id)
          REFERENCES ${s}.session(id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX "IDX_session_retired_token_session" ON ${s}.session_retired_token (session_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`DROP TABLE ${s}.session_retired_token`);
    await q.query(`DROP TABLE ${s}.session`);
  }
}
