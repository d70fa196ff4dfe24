// The only file that queries the posts table. Writes run on the transaction they are given
// (IdempotentWrites), reads on the pool.
import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { DataSource } from 'typeorm';
import type { KeysetPosition, PostRef } from '#contracts';
import { pgPool, qualifiedTable, type WriteTransaction } from '#persistence';
import type { PostEntity } from './entities/post.entity.js';

const COLUMNS = `id, author_id AS "authorId", author_username AS "authorUsername",
  author_display_name AS "authorDisplayName", text, media_ids AS "mediaIds", created_at AS "createdAt"`;

export interface NewPost {
  id: string;
  authorId: string;
  authorUsername: string;
  authorDisplayName: string;
  text: string;
  mediaIds: string[];
}

@Injectable()
export class PostsRepository {
  private readonly pool: pg.Pool;
  private readonly table: string;

  constructor(@Inject(DataSource) dataSource: DataSource) {
    this.pool = pgPool(dataSource);
    this.table = qualifiedTable(dataSource, 'post');
  }

  async insert(tx: WriteTransaction, p: NewPost): Promise<PostEntity> {
    const r = await tx.db.query<PostEntity>({
      name: 'posts.insert',
      text: `INSERT INTO ${this.table} (id, author_id, author_username, author_display_name, text, media_ids)
        VALUES ($1, $2, $3, $4, $5, $6::uuid[]) RETURNING ${COLUMNS}`,
      values: [p.id, p.authorId, p.authorUsername, p.authorDisplayName, p.text, p.mediaIds],
    });
    return r.rows[0];
  }

  // The two reads every page view makes go straight to the pool as prepared statements.
  async findById(id: string): Promise<PostEntity | null> {
    const r = await this.pool.query<PostEntity>({
      name: 'posts.find-by-id',
      text: `SELECT ${COLUMNS} FROM ${this.table} WHERE id = $1`,
      values: [id],
    });
    return r.rows[0] ?? null;
  }

  /** The posts of these ids that exist (any order). */
  async findByIds(ids: string[]): Promise<PostEntity[]> {
    const r = await this.pool.query<PostEntity>({
      name: 'posts.find-by-ids',
      text: `SELECT ${COLUMNS} FROM ${this.table} WHERE id = ANY($1::uuid[])`,
      values: [ids],
    });
    return r.rows;
  }

  /**
   * Newest first, strictly after `after` in that order: keyset pagination, no gaps or repeats.
   * By one author's username, by any of many author ids (IDX_post_author_id_created), or all.
   */
  async page(o: {
    authorUsername?: string;
    authorIds?: string[];
    after?: KeysetPosition;
    limit: number;
  }): Promise<PostEntity[]> {
    const where: string[] = [];
    const values: unknown[] = [];
    if (o.authorUsername) {
      values.push(o.authorUsername);
      where.push(`author_username = $${values.length}`);
    }
    if (o.authorIds) {
      values.push(o.authorIds);
      where.push(`author_id = ANY($${values.length}::uuid[])`);
    }
    if (o.after) {
      values.push(o.after.createdAt, o.after.id);
      where.push(`(created_at, id) < ($${values.length - 1}::timestamptz, $${values.length}::uuid)`);
    }
    values.push(o.limit);
    const name = `posts.page${o.authorUsername ? '.author' : ''}${o.authorIds ? '.authors' : ''}${o.after ? '.after' : ''}`;
    const r = await this.pool.query<PostEntity>({
      name,
      text: `SELECT ${COLUMNS} FROM ${this.table} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY created_at DESC, id DESC LIMIT $${values.length}`,
      values,
    });
    return r.rows;
  }

  /** Oldest first, strictly after `after` (IDX_post_created read backwards): ids, authors and times only. */
  async scan(o: { after?: KeysetPosition; limit: number }): Promise<PostRef[]> {
    const columns = `id, author_id AS "authorId", created_at AS "createdAt"`;
    const r = o.after
      ? await this.pool.query<PostRef & { createdAt: Date }>({
          name: 'posts.scan.after',
          text: `SELECT ${columns} FROM ${this.table} WHERE (created_at, id) > ($1::timestamptz, $2::uuid)
            ORDER BY created_at, id LIMIT $3`,
          values: [o.after.createdAt, o.after.id, o.limit],
        })
      : await this.pool.query<PostRef & { createdAt: Date }>({
          name: 'posts.scan',
          text: `SELECT ${columns} FROM ${this.table} ORDER BY created_at, id LIMIT $1`,
          values: [o.limit],
        });
    return r.rows.map((row) => ({ ...row, createdAt: new Date(row.createdAt).toISOString() }));
  }

  /** Deletes only if the requester wrote it; tells which case it was, and what was deleted. */
  async deleteOwned(
    tx: WriteTransaction,
    id: string,
    requesterId: string,
  ): Promise<{ outcome: 'deleted'; post: PostEntity } | 'not_found' | 'forbidden'> {
    const deleted = await tx.db.query<PostEntity>({
      name: 'posts.delete-owned',
      text: `DELETE FROM ${this.table} WHERE id = $1 AND author_id = $2 RETURNING ${COLUMNS}`,
      values: [id, requesterId],
    });
    if (deleted.rows[0]) return { outcome: 'deleted', post: deleted.rows[0] };
    const found = await tx.db.query({
      name: 'posts.exists',
      text: `SELECT 1 FROM ${this.table} WHERE id = $1`,
      values: [id],
    });
    return found.rowCount === 1 ? 'forbidden' : 'not_found';
  }
}
