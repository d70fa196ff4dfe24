// The only file that queries the comment table. Writes run on the transaction they are given
// (IdempotentWrites), reads on the pool.
import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { DataSource } from 'typeorm';
import type { KeysetPosition } from '#contracts';
import {
  batchedLoader,
  pgPool,
  qualifiedTable,
  Tombstones,
  type BatchedLoader,
  type WriteTransaction,
} from '#persistence';
import type { CommentEntity } from './entities/comment.entity.js';

const COLUMNS = `id, post_id AS "postId", author_id AS "authorId", author_username AS "authorUsername",
  author_display_name AS "authorDisplayName", text, created_at AS "createdAt"`;

export interface NewComment {
  id: string;
  postId: string;
  authorId: string;
  authorUsername: string;
  authorDisplayName: string;
  text: string;
}

export interface DeletedComment {
  postId: string;
  authorId: string;
  authorUsername: string;
  authorDisplayName: string;
}

@Injectable()
export class CommentsRepository {
  private readonly pool: pg.Pool;
  /** Comment counts by post id, batched across concurrent requests (countByPost). */
  private readonly counts: BatchedLoader<string, number>;
  private readonly table: string;
  private readonly deletedPosts: Tombstones;

  constructor(@Inject(DataSource) dataSource: DataSource) {
    this.pool = pgPool(dataSource);
    this.table = qualifiedTable(dataSource, 'comment');
    this.deletedPosts = new Tombstones(dataSource);
    this.counts = batchedLoader((ids) => this.countBatch(ids));
  }

  /** Whether the post may still get comments; holds its lock until `tx` ends (Tombstones.lockLive). */
  lockLivePost(tx: WriteTransaction, postId: string): Promise<boolean> {
    return this.deletedPosts.lockLive(tx.db, postId);
  }

  /** A deleted post's comments removed and the post buried (Tombstones.bury); how many went. */
  removePost(postId: string): Promise<number> {
    return this.deletedPosts.bury(postId, async (db) => {
      const r = await db.query({
        name: 'comments.delete-by-post',
        text: `DELETE FROM ${this.table} WHERE post_id = $1`,
        values: [postId],
      });
      return r.rowCount ?? 0;
    });
  }

  async insert(tx: WriteTransaction, c: NewComment): Promise<CommentEntity> {
    const r = await tx.db.query<CommentEntity>({
      name: 'comments.insert',
      text: `INSERT INTO ${this.table} (id, post_id, author_id, author_username, author_display_name, text)
        VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
      values: [c.id, c.postId, c.authorId, c.authorUsername, c.authorDisplayName, c.text],
    });
    return r.rows[0];
  }

  /**
   * Oldest first, strictly after `after` in that order: keyset pagination, no gaps or repeats.
   * A post's page is read with every post view, so it goes to the pool as a prepared statement.
   */
  async page(o: { postId: string; after?: KeysetPosition; limit: number }): Promise<CommentEntity[]> {
    const r = o.after
      ? await this.pool.query<CommentEntity>({
          name: 'comments.page.after',
          text: `SELECT ${COLUMNS} FROM ${this.table}
            WHERE post_id = $1 AND (created_at, id) > ($2::timestamptz, $3::uuid)
            ORDER BY created_at ASC, id ASC LIMIT $4`,
          values: [o.postId, o.after.createdAt, o.after.id, o.limit],
        })
      : await this.pool.query<CommentEntity>({
          name: 'comments.page',
          text: `SELECT ${COLUMNS} FROM ${this.table} WHERE post_id = $1 ORDER BY created_at ASC, id ASC LIMIT $2`,
          values: [o.postId, o.limit],
        });
    return r.rows;
  }

  /**
   * Comment counts of some posts (0 for none), keyed by the ids as asked. Every count asked for
   * in the same event-loop turn — the pages and posts of many concurrent requests — is one query
   * (batchedLoader).
   */
  async countByPost(postIds: string[]): Promise<Map<string, number>> {
    const counts = await Promise.all(postIds.map((id) => this.counts.load(id.toLowerCase())));
    return new Map(postIds.map((id, i) => [id, counts[i]]));
  }

  /** One query for the counts of every post asked in this turn (keys lower case, may repeat). */
  private async countBatch(ids: readonly string[]): Promise<number[]> {
    const r = await this.pool.query<{ postId: string; n: number }>({
      name: 'comments.count-by-post',
      text: `SELECT post_id AS "postId", count(*)::int AS n FROM ${this.table}
        WHERE post_id = ANY($1::uuid[]) GROUP BY post_id`,
      values: [[...new Set(ids)]],
    });
    const found = new Map(r.rows.map((row) => [row.postId, row.n]));
    return ids.map((id) => found.get(id) ?? 0);
  }

  /** Deletes only if the requester wrote it; tells which case it was. */
  /** The comment deleted (its post and author), or why not. */
  async deleteOwned(
    tx: WriteTransaction,
    id: string,
    requesterId: string,
  ): Promise<{ deleted: DeletedComment } | 'not_found' | 'forbidden'> {
    const deleted = await tx.db.query<DeletedComment>({
      name: 'comments.delete-owned',
      text: `DELETE FROM ${this.table} WHERE id = $1 AND author_id = $2
        RETURNING post_id AS "postId", author_id AS "authorId", author_username AS "authorUsername",
          author_display_name AS "authorDisplayName"`,
      values: [id, requesterId],
    });
    if (deleted.rows[0]) return { deleted: deleted.rows[0] };
    const found = await tx.db.query({
      name: 'comments.exists',
      text: `SELECT 1 FROM ${this.table} WHERE id = $1`,
      values: [id],
    });
    return found.rowCount === 1 ? 'forbidden' : 'not_found';
  }
}
