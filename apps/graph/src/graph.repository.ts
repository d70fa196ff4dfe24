// The only file that queries the follow table. Writes on the transaction they are given
// (IdempotentWrites), reads on the pool; every query is a named (prepared) statement.
import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { DataSource } from 'typeorm';
import type { AuthorSummary, Edge, KeysetPosition } from '#contracts';
import { pgPool, qualifiedTable, type WriteTransaction } from '#persistence';

export interface FollowRow {
  follower: AuthorSummary;
  followee: AuthorSummary;
  createdAt: Date;
}

/** A page row: the other user of the follow, and when it began. */
export interface FollowPageRow {
  user: AuthorSummary;
  createdAt: Date;
}

export interface RelationshipRow {
  userId: string;
  followerCount: number;
  followingCount: number;
  followedByViewer: boolean | null;
  followsViewer: boolean | null;
}

const ROW = `follower_id AS "followerId", follower_username AS "followerUsername",
  follower_display_name AS "followerDisplayName", followee_id AS "followeeId",
  followee_username AS "followeeUsername", followee_display_name AS "followeeDisplayName", created_at AS "createdAt"`;

interface RawFollow {
  followerId: string;
  followerUsername: string;
  followerDisplayName: string;
  followeeId: string;
  followeeUsername: string;
  followeeDisplayName: string;
  createdAt: Date;
}

const toRow = (r: RawFollow): FollowRow => ({
  follower: { id: r.followerId, username: r.followerUsername, displayName: r.followerDisplayName },
  followee: { id: r.followeeId, username: r.followeeUsername, displayName: r.followeeDisplayName },
  createdAt: r.createdAt,
});

/** Which side of the follow a page lists, and which side it is asked by. */
const SIDES = {
  followers: { by: 'followee_username', other: 'follower' },
  following: { by: 'follower_username', other: 'followee' },
} as const;

@Injectable()
export class GraphRepository {
  private readonly pool: pg.Pool;
  private readonly table: string;
  private readonly sequence: string;

  constructor(@Inject(DataSource) dataSource: DataSource) {
    this.pool = pgPool(dataSource);
    this.table = qualifiedTable(dataSource, 'follow');
    this.sequence = qualifiedTable(dataSource, 'follow_version');
  }

  /** The new follow, or null when it already held: the primary key decides, not a prior read. */
  async insertIfAbsent(tx: WriteTransaction, f: Omit<FollowRow, 'createdAt'>): Promise<FollowRow | null> {
    const r = await tx.db.query<RawFollow>({
      name: 'graph.follow',
      text: `INSERT INTO ${this.table} (follower_id, follower_username, follower_display_name,
          followee_id, followee_username, followee_display_name)
        VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (follower_id, followee_id) DO NOTHING RETURNING ${ROW}`,
      values: [
        f.follower.id,
        f.follower.username,
        f.follower.displayName,
        f.followee.id,
        f.followee.username,
        f.followee.displayName,
      ],
    });
    return r.rows[0] ? toRow(r.rows[0]) : null;
  }

  /** The follow removed, or null when there was none. */
  async delete(tx: WriteTransaction, followerId: string, followeeUsername: string): Promise<FollowRow | null> {
    const r = await tx.db.query<RawFollow>({
      name: 'graph.unfollow',
      text: `DELETE FROM ${this.table} WHERE follower_id = $1 AND followee_username = $2 RETURNING ${ROW}`,
      values: [followerId, followeeUsername],
    });
    return r.rows[0] ? toRow(r.rows[0]) : null;
  }

  /**
   * The version of a follow just made, drawn after its row was written (and kept on it, for
   * `graph.edges`): a later change to the same follow waited for this one's row lock, so it draws
   * a greater one — and this one waited for an earlier unfollow's delete, so it draws greater
   * than that.
   */
  async stampVersion(tx: WriteTransaction, followerId: string, followeeId: string): Promise<number> {
    const r = await tx.db.query<{ v: string }>({
      name: 'graph.stamp-version',
      text: `UPDATE ${this.table} SET version = nextval('${this.sequence}')
        WHERE follower_id = $1 AND followee_id = $2 RETURNING version AS v`,
      values: [followerId, followeeId],
    });
    return Number(r.rows[0].v);
  }

  /**
   * The version of a change just made to a follow, taken after its row was written or deleted:
   * a later change to the same follow waited for this one's row lock, so it draws a greater one.
   */
  async nextVersion(tx: WriteTransaction): Promise<number> {
    const r = await tx.db.query<{ v: string }>({
      name: 'graph.next-version',
      text: `SELECT nextval('${this.sequence}') AS v`,
    });
    return Number(r.rows[0].v);
  }

  /** Newest first, strictly after `after` (its id is the other user's): no gaps or repeats. */
  async page(
    side: keyof typeof SIDES,
    o: { username: string; after?: KeysetPosition; limit: number },
  ): Promise<FollowPageRow[]> {
    const { by, other } = SIDES[side];
    const columns = `${other}_id AS id, ${other}_username AS username, ${other}_display_name AS "displayName",
      created_at AS "createdAt"`;
    const order = `ORDER BY created_at DESC, ${other}_id DESC`;
    const r = o.after
      ? await this.pool.query<AuthorSummary & { createdAt: Date }>({
          name: `graph.${side}.after`,
          text: `SELECT ${columns} FROM ${this.table}
            WHERE ${by} = $1 AND (created_at, ${other}_id) < ($2::timestamptz, $3::uuid) ${order} LIMIT $4`,
          values: [o.username, o.after.createdAt, o.after.id, o.limit],
        })
      : await this.pool.query<AuthorSummary & { createdAt: Date }>({
          name: `graph.${side}`,
          text: `SELECT ${columns} FROM ${this.table} WHERE ${by} = $1 ${order} LIMIT $2`,
          values: [o.username, o.limit],
        });
    return r.rows.map(({ createdAt, ...user }) => ({ user, createdAt }));
  }

  /** Whom `followerId` follows, newest follow first, at most `limit` (the primary key's prefix). */
  async followeeIds(followerId: string, limit: number): Promise<string[]> {
    const r = await this.pool.query<{ id: string }>({
      name: 'graph.followee-ids',
      text: `SELECT followee_id AS id FROM ${this.table} WHERE follower_id = $1 ORDER BY created_at DESC LIMIT $2`,
      values: [followerId, limit],
    });
    return r.rows.map((row) => row.id);
  }

  /** Follows in version order, strictly after `afterVersion` (IDX_follow_version, or the primary key's prefix). */
  async edges(o: { followerId?: string; afterVersion: number; limit: number }): Promise<Edge[]> {
    const columns = `follower_id AS "followerId", followee_id AS "followeeId", version`;
    const r = o.followerId
      ? await this.pool.query<Edge & { version: string }>({
          name: 'graph.edges.follower',
          text: `SELECT ${columns} FROM ${this.table} WHERE follower_id = $1 AND version > $2 ORDER BY version LIMIT $3`,
          values: [o.followerId, o.afterVersion, o.limit],
        })
      : await this.pool.query<Edge & { version: string }>({
          name: 'graph.edges',
          text: `SELECT ${columns} FROM ${this.table} WHERE version > $1 ORDER BY version LIMIT $2`,
          values: [o.afterVersion, o.limit],
        });
    return r.rows.map((row) => ({ ...row, version: Number(row.version) }));
  }

  /**
   * Counts and the viewer's relationship to each user, in one query: each count is an index-only
   * count (followers on IDX_follow_followee_id, following on the primary key), each relationship
   * a primary-key lookup. One row per asked id, in lower case.
   */
  async relationships(userIds: string[], viewerId: string | undefined): Promise<RelationshipRow[]> {
    const r = await this.pool.query<RelationshipRow>({
      name: 'graph.relationships',
      text: `SELECT u.id AS "userId",
          (SELECT count(*)::int FROM ${this.table} f WHERE f.followee_id = u.id) AS "followerCount",
          (SELECT count(*)::int FROM ${this.table} f WHERE f.follower_id = u.id) AS "followingCount",
          CASE WHEN $2::uuid IS NULL THEN NULL ELSE EXISTS (
            SELECT 1 FROM ${this.table} f WHERE f.follower_id = $2::uuid AND f.followee_id = u.id) END AS "followedByViewer",
          CASE WHEN $2::uuid IS NULL THEN NULL ELSE EXISTS (
            SELECT 1 FROM ${this.table} f WHERE f.follower_id = u.id AND f.followee_id = $2::uuid) END AS "followsViewer"
        FROM (SELECT DISTINCT unnest($1::uuid[]) AS id) u`,
      values: [userIds, viewerId ?? null],
    });
    return r.rows;
  }
}
