// The only file that queries the like table. Every query is a named (prepared) statement: writes
// on the transaction they are given (IdempotentWrites), reads on the pool; a like, a page of
// likes and a page's summary are all hot paths.
import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { DataSource } from 'typeorm';
import type { KeysetPosition } from '#contracts';
import { pgPool, qualifiedTable, Tombstones, type WriteTransaction } from '#persistence';
import type { LikeEntity } from './entities/like.entity.js';

const COLUMNS = `post_id AS "postId", user_id AS "userId", username, display_name AS "displayName",
  created_at AS "createdAt"`;

export interface NewLike {
  postId: string;
  userId: string;
  username: string;
  displayName: string;
}

export interface LikeTally {
  postId: string;
  count: number;
  /** Null when no viewer was asked about. */
  likedByViewer: boolean | null;
}

@Injectable()
export class LikesRepository {
  private readonly pool: pg.Pool;
  private readonly table: string;
  private readonly deletedPosts: Tombstones;

  constructor(@Inject(DataSource) dataSource: DataSource) {
    this.pool = pgPool(dataSource);
    this.table = qualifiedTable(dataSource, 'like');
    this.deletedPosts = new Tombstones(dataSource);
  }

  /**
   * Whether the post may still be liked: false once its delete reached likes. Takes the post's
   * lock until the transaction ends, so a like and the post's removal serialise: either the like
   * commits first and the removal deletes it, or the removal commits first and this sees its
   * tombstone. (Without the lock each could miss the other.)
   */
  lockLivePost(tx: WriteTransaction, postId: string): Promise<boolean> {
    return this.deletedPosts.lockLive(tx.db, postId);
  }

  /**
   * Removes a deleted post's likes and remembers the post as deleted; answers how many likes
   * went. Naturally idempotent: a second run finds nothing more to delete and the tombstone
   * already there, so a redelivered event changes nothing.
   */
  removePost(postId: string): Promise<number> {
    return this.deletedPosts.bury(postId, async (db) => {
      const r = await db.query({
        name: 'likes.delete-by-post',
        text: `DELETE FROM ${this.table} WHERE post_id = $1`,
        values: [postId],
      });
      return r.rowCount ?? 0;
    });
  }

  async exists(tx: WriteTransaction, postId: string, userId: string): Promise<boolean> {
    const r = await tx.db.query({
      name: 'likes.exists',
      text: `SELECT 1 FROM ${this.table} WHERE post_id = $1 AND user_id = $2`,
      values: [postId, userId],
    });
    return r.rowCount === 1;
  }

  /** A like already there is left as it was: the primary key, not a prior read, decides. */
  async insertIfAbsent(tx: WriteTransaction, l: NewLike): Promise<void> {
    await tx.db.query({
      name: 'likes.insert',
      text: `INSERT INTO ${this.table} (post_id, user_id, username, display_name) VALUES ($1, $2, $3, $4)
        ON CONFLICT (post_id, user_id) DO NOTHING`,
      values: [l.postId, l.userId, l.username, l.displayName],
    });
  }

  async delete(tx: WriteTransaction, postId: string, userId: string): Promise<void> {
    await tx.db.query({
      name: 'likes.delete',
      text: `DELETE FROM ${this.table} WHERE post_id = $1 AND user_id = $2`,
      values: [postId, userId],
    });
  }

  async count(postId: string): Promise<number> {
    const r = await this.pool.query<{ count: number }>({
      name: 'likes.count',
      text: `SELECT count(*)::int AS count FROM ${this.table} WHERE post_id = $1`,
      values: [postId],
    });
    return r.rows[0]?.count ?? 0;
  }

  /** Newest first, strictly after `after` (its id is a user id): no gaps or repeats. */
  async page(o: { postId: string; after?: KeysetPosition; limit: number }): Promise<LikeEntity[]> {
    const r = o.after
      ? await this.pool.query<LikeEntity>({
          name: 'likes.page.after',
          text: `SELECT ${COLUMNS} FROM ${this.table}
            WHERE post_id = $1 AND (created_at, user_id) < ($2::timestamptz, $3::uuid)
            ORDER BY created_at DESC, user_id DESC LIMIT $4`,
          values: [o.postId, o.after.createdAt, o.after.id, o.limit],
        })
      : await this.pool.query<LikeEntity>({
          name: 'likes.page',
          text: `SELECT ${COLUMNS} FROM ${this.table} WHERE post_id = $1
            ORDER BY created_at DESC, user_id DESC LIMIT $2`,
          values: [o.postId, o.limit],
        });
    return r.rows;
  }

  /**
   * Counts, and whether `viewerId` is among the likers, for many posts in one query: both come
   * from the same index-only scan of the primary key, so asking about the viewer costs nothing
   * extra. Posts without likes have no row.
   */
  async tally(postIds: string[], viewerId: string | undefined): Promise<LikeTally[]> {
    const r = await this.pool.query<LikeTally>({
      name: 'likes.tally',
      text: `SELECT post_id AS "postId", count(*)::int AS count, bool_or(user_id = $2::uuid) AS "likedByViewer"
        FROM ${this.table} WHERE post_id = ANY($1::uuid[]) GROUP BY post_id`,
      values: [postIds, viewerId ?? null],
    });
    return r.rows;
  }
}
