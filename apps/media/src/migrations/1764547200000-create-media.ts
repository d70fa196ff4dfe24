import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '#persistence';

export class CreateMedia1764547200000 implements MigrationInterface {
  name = 'CreateMedia1764547200000';

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`
      CREATE TABLE ${s}.media (
        id uuid NOT NULL,
        owner_id uuid NOT NULL,
        content_type varchar(32) NOT NULL,
        width int NOT NULL,
        height int NOT NULL,
        bytes int NOT NULL,
        etag char(64) NOT NULL,
        thumb_content_type varchar(32) NOT NULL,
        thumb_bytes int NOT NULL,
        thumb_etag char(64) NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT "PK_media" PRIMARY KEY (id)
      )`);
    await q.query(`CREATE INDEX "IDX_media_owner" ON ${s}.media (owner_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`DROP TABLE ${s}.media`);
  }
}
