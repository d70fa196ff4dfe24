// The only file that queries the media table. The insert runs on the transaction it is given
// (IdempotentWrites), reads on the pool.
import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { DataSource } from 'typeorm';
import { pgPool, qualifiedTable, type WriteTransaction } from '#persistence';
import type { MediaEntity } from './entities/media.entity.js';

const COLUMNS = `id, owner_id AS "ownerId", content_type AS "contentType", width, height, bytes, etag,
  thumb_content_type AS "thumbContentType", thumb_bytes AS "thumbBytes", thumb_etag AS "thumbEtag",
  created_at AS "createdAt"`;

export type NewMedia = Omit<MediaEntity, 'createdAt'>;

@Injectable()
export class MediaRepository {
  private readonly pool: pg.Pool;
  private readonly table: string;

  constructor(@Inject(DataSource) dataSource: DataSource) {
    this.pool = pgPool(dataSource);
    this.table = qualifiedTable(dataSource, 'media');
  }

  async insert(tx: WriteTransaction, m: NewMedia): Promise<void> {
    await tx.db.query({
      name: 'media.insert',
      text: `INSERT INTO ${this.table}
        (id, owner_id, content_type, width, height, bytes, etag, thumb_content_type, thumb_bytes, thumb_etag)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      values: [
        m.id,
        m.ownerId,
        m.contentType,
        m.width,
        m.height,
        m.bytes,
        m.etag,
        m.thumbContentType,
        m.thumbBytes,
        m.thumbEtag,
      ],
    });
  }

  async findByIds(ids: string[]): Promise<MediaEntity[]> {
    if (ids.length === 0) return [];
    const r = await this.pool.query<MediaEntity>({
      name: 'media.by-ids',
      text: `SELECT ${COLUMNS} FROM ${this.table} WHERE id = ANY($1::uuid[])`,
      values: [ids],
    });
    return r.rows;
  }
}
