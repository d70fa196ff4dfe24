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

export type NewMedia = Omit<MediaEntity, 'createdAt' | 'deletedAt'>;

@Injectable()
export class MediaRepository {
  private readonly pool: pg.Pool;
  private readonly table: string;
  private readonly postMedia: string;

  constructor(@Inject(DataSource) dataSource: DataSource) {
    this.pool = pgPool(dataSource);
    this.table = qualifiedTable(dataSource, 'media');
    this.postMedia = qualifiedTable(dataSource, 'post_media');
  }

  /**
   * A post's references to its uploads (events.posts.created). Naturally idempotent: a row
   * already there — the same event again, or the post's deletion having arrived first — is left
   * as it is.
   */
  async addPostReferences(postId: string, mediaIds: string[]): Promise<void> {
    await this.pool.query({
      name: 'media.post-references.add',
      text: `INSERT INTO ${this.postMedia} (post_id, media_ids) VALUES ($1, $2::uuid[])
        ON CONFLICT (post_id) DO NOTHING`,
      values: [postId, mediaIds],
    });
  }

  /**
   * Releases a deleted post's references (events.posts.deleted), creating the released row if the
   * post's creation has not arrived yet, so that it cannot add them afterwards. Naturally
   * idempotent: a row already released keeps its first release time.
   */
  async releasePostReferences(postId: string, mediaIds: string[]): Promise<void> {
    await this.pool.query({
      name: 'media.post-references.release',
      text: `INSERT INTO ${this.postMedia} AS p (post_id, media_ids, released_at) VALUES ($1, $2::uuid[], now())
        ON CONFLICT (post_id) DO UPDATE SET released_at = now() WHERE p.released_at IS NULL`,
      values: [postId, mediaIds],
    });
  }

  /**
   * Marks deleted those of `mediaIds` that no live post uses any more (a released post_media row
   * is not live), and returns them — those already marked too, so that a redelivered event
   * removes objects a first attempt may have left behind.
   */
  async markUnusedDeleted(mediaIds: string[]): Promise<string[]> {
    const r = await this.pool.query<{ id: string }>({
      name: 'media.mark-unused-deleted',
      text: `UPDATE ${this.table} m SET deleted_at = coalesce(m.deleted_at, now())
        WHERE m.id = ANY($1::uuid[])
          AND NOT EXISTS (SELECT 1 FROM ${this.postMedia} p WHERE p.released_at IS NULL AND p.media_ids @> ARRAY[m.id])
        RETURNING m.id`,
      values: [mediaIds],
    });
    return r.rows.map((row) => row.id);
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

  /** Live media only: a deleted upload is as unknown as one that never was. */
  async findByIds(ids: string[]): Promise<MediaEntity[]> {
    if (ids.length === 0) return [];
    const r = await this.pool.query<MediaEntity>({
      name: 'media.by-ids',
      text: `SELECT ${COLUMNS} FROM ${this.table} WHERE id = ANY($1::uuid[]) AND deleted_at IS NULL`,
      values: [ids],
    });
    return r.rows;
  }
}
