// The only file that queries the like table. Every query is a named (prepared) statement: writes
// on the transaction they are given (IdempotentWrites), reads on the pool; a like, a page of
// likes and a page's summary are all hot paths.
import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { DataSource } from 'typeorm';
import type { AuthorSummary, KeysetPosition } from '#contracts';
import {
  batchedLoader,
  pgPool,
  qualifiedTable,
  Tombstones,
  type BatchedLoader,
  type WriteTransaction,
} from '#persistence';
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
  private readonly sequence: string;
  /** Like tallies by "<post id> <viewer>", batched across concurrent requests (tally). */
  private readonly tallies: BatchedLoader<string, LikeTally>;

  constructor(@Inject(DataSource) dataSource: DataSource) {
    this.pool = pgPool(dataSource);
    this.table = qualifiedTable(dataSource, 'like');
    this.deletedPosts = new Tombstones(dataSource);
    this.sequence = qualifiedTable(dataSource, 'like_version');
    this.tallies = batchedLoader((keys) => this.tallyBatch(keys));
  }

  /** Whether the post may still be liked; holds its lock until `tx` ends (Tombstones.lockLive). */
  lockLivePost(tx: WriteTransaction, postId: string): Promise<boolean> {
    return this.deletedPosts.lockLive(tx.db, postId);
  }

  /** A deleted post's likes removed and the post buried (Tombstones.bury); how many went. */
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

  /** Whether the like is new; one already there is left as it was (the primary key decides). */
  async insertIfAbsent(tx: WriteTransaction, l: NewLike): Promise<boolean> {
    const r = await tx.db.query({
      name: 'likes.insert',
      text: `INSERT INTO ${this.table} (post_id, user_id, username, display_name) VALUES ($1, $2, $3, $4)
        ON CONFLICT (post_id, user_id) DO NOTHING`,
      values: [l.postId, l.userId, l.username, l.displayName],
    });
    return r.rowCount === 1;
  }

  /** The like removed (its user as a summary), or null when there was none. */
  async delete(tx: WriteTransaction, postId: string, userId: string): Promise<AuthorSummary | null> {
    const r = await tx.db.query<AuthorSummary>({
      name: 'likes.delete',
      text: `DELETE FROM ${this.table} WHERE post_id = $1 AND user_id = $2
        RETURNING user_id AS id, username, display_name AS "displayName"`,
      values: [postId, userId],
    });
    return r.rows[0] ?? null;
  }

  /**
   * The version of a change just made to a like, taken after its row was written or deleted: a
   * later change to the same like waited for this one's row lock, so it draws a greater one.
   */
  async nextVersion(tx: WriteTransaction): Promise<number> {
    const r = await tx.db.query<{ v: string }>({
      name: 'likes.next-version',
      text: `SELECT nextval('${this.sequence}') AS v`,
    });
    return Number(r.rows[0].v);
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
   * Counts, and whether `viewerId` is among the likers, for many posts: one row per asked post
   * (count 0 when nobody liked it), ids in lower case. Every tally asked in the same event-loop
   * turn — the pages and posts of many concurrent requests, each with its own viewer — is one
   * query (tallyBatch).
   */
  tally(postIds: string[], viewerId: string | undefined): Promise<LikeTally[]> {
    const viewer = viewerId?.toLowerCase() ?? '';
    return Promise.all(postIds.map((id) => this.tallies.load(`${id.toLowerCase()} ${viewer}`)));
  }

  /**
   * Keys are "<post id> <viewer id or nothing>", may repeat. The count and the viewer's like come
   * from the same index scan of the primary key per (post, viewer) pair.
   */
  private async tallyBatch(keys: readonly string[]): Promise<LikeTally[]> {
    const unique = [...new Set(keys)].map((k) => k.split(' '));
    const r = await this.pool.query<LikeTally & { viewer: string | null }>({
      name: 'likes.tally',
      text: `SELECT k.post_id AS "postId", k.viewer, count(l.user_id)::int AS count,
          CASE WHEN k.viewer IS NULL THEN NULL ELSE coalesce(bool_or(l.user_id = k.viewer), false) END AS "likedByViewer"
        FROM unnest($1::uuid[], $2::uuid[]) AS k(post_id, viewer)
        LEFT JOIN ${this.table} l ON l.post_id = k.post_id
        GROUP BY k.post_id, k.viewer`,
      values: [unique.map(([p]) => p), unique.map(([, v]) => v || null)],
    });
    const found = new Map(r.rows.map(({ viewer, ...t }) => [`${t.postId} ${viewer ?? ''}`, t]));
    return keys.map((k) => found.get(k) ?? { postId: k.split(' ')[0], count: 0, likedByViewer: null });
  }
}
