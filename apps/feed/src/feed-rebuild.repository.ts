// The queries of a rebuild (feed.rebuild): what it read from graph and posts goes into the staging
// tables (rebuild_edge, rebuild_post with its rebuild_mention rows, rebuild_user), is merged into feed's projections by the same
// rules the event handlers follow, and every feed in scope is rewritten from them in batches.
// Racing events (handled meanwhile by feed.repository.ts):
// - a follow's state is decided by its version, here as in applyFollow: a follow read from graph
//   never overwrites a change feed has with a greater version (an unfollow handled meanwhile wins);
// - a post is never written back once tombstoned, and a batch that rewrites feeds holds the
//   rebuild gate exclusively, so a delete or unfollow committing meanwhile either commits first
//   (the batch then sees its tombstone or edge) or waits for the batch and removes what it wrote;
// - what fan-out and back-fill put in meanwhile is read back by the batch (it reads author_post
//   and follow_edge as well as the staging), and both sides insert ON CONFLICT DO NOTHING.
import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { DataSource } from 'typeorm';
import type { Edge, PostRef } from '#contracts';
import { inTransaction, pgPool, qualifiedTable, type Queryable } from '#persistence';
import { BACKFILL_POSTS, rebuildGate, trimMentions } from './feed.repository.js';

/** A follow feed holds as following, with the version it has. */
export interface HeldEdge {
  authorId: string;
  followerId: string;
  version: number;
}

@Injectable()
export class FeedRebuildRepository {
  private readonly pool: pg.Pool;
  private readonly t: Record<
    'edge' | 'post' | 'item' | 'size' | 'deleted' | 'mention' | 'rEdge' | 'rPost' | 'rMention' | 'rUser',
    string
  >;
  private readonly gateSpace: string;
  private readonly runSpace: string;

  constructor(@Inject(DataSource) dataSource: DataSource) {
    this.pool = pgPool(dataSource);
    const q = (name: string) => qualifiedTable(dataSource, name);
    this.t = {
      edge: q('follow_edge'),
      post: q('author_post'),
      item: q('feed_item'),
      size: q('feed_size'),
      deleted: q('deleted_post'),
      mention: q('mention'),
      rEdge: q('rebuild_edge'),
      rPost: q('rebuild_post'),
      rMention: q('rebuild_mention'),
      rUser: q('rebuild_user'),
    };
    this.gateSpace = `${this.t.item}.gate`;
    this.runSpace = `${this.t.item}.rebuild`;
  }

  /**
   * `run` while this replica holds the rebuild's session lock (one rebuild at a time, in the
   * whole mesh: the staging tables are shared), with the staging emptied before and after.
   * Answers null, running nothing, when another rebuild holds it.
   */
  async exclusively<T>(run: () => Promise<T>): Promise<T | null> {
    const client = await this.pool.connect();
    try {
      const got = await client.query<{ ok: boolean }>({
        text: 'SELECT pg_try_advisory_lock(hashtext($1), 0) AS ok',
        values: [this.runSpace],
      });
      if (!got.rows[0].ok) return null;
      try {
        await this.clearStaging(client);
        return await run();
      } finally {
        await this.clearStaging(client);
        await client.query({ text: 'SELECT pg_advisory_unlock(hashtext($1), 0)', values: [this.runSpace] });
      }
    } finally {
      client.release();
    }
  }

  private async clearStaging(db: Queryable): Promise<void> {
    await db.query(`TRUNCATE ${this.t.rEdge}, ${this.t.rPost}, ${this.t.rMention}, ${this.t.rUser}`);
  }

  /**
   * A page of graph's follows: staged, and into follow_edge as following unless feed has a
   * change of that follow with a greater version (an event newer than what the rebuild read).
   */
  stageEdges(edges: Edge[]): Promise<void> {
    if (edges.length === 0) return Promise.resolve();
    const cols = [edges.map((e) => e.followeeId), edges.map((e) => e.followerId), edges.map((e) => e.version)];
    return inTransaction(this.pool, {}, async (db) => {
      await db.query({
        name: 'feed.rebuild.stage-edges',
        text: `INSERT INTO ${this.t.rEdge} (author_id, follower_id, version)
          SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::bigint[])
          ON CONFLICT (author_id, follower_id) DO UPDATE SET version = greatest(${this.t.rEdge}.version, EXCLUDED.version)`,
        values: cols,
      });
      await db.query({
        name: 'feed.rebuild.merge-edges',
        text: `INSERT INTO ${this.t.edge} (author_id, follower_id, following, version)
          SELECT a, f, true, v FROM unnest($1::uuid[], $2::uuid[], $3::bigint[]) AS x(a, f, v)
          ON CONFLICT (author_id, follower_id) DO UPDATE SET following = true, version = EXCLUDED.version
          WHERE ${this.t.edge}.version < EXCLUDED.version`,
        values: cols,
      });
    });
  }

  /**
   * Follows feed holds as following that graph did not list (of `followerId`, or anyone's), in
   * (follower, author) order after `after`: each is either undone in graph (its unfollow event
   * lost or still coming) or made after graph's page passed it; the caller asks graph again.
   */
  async unlistedEdges(o: { followerId?: string; after?: HeldEdge; limit: number }): Promise<HeldEdge[]> {
    const r = await this.pool.query<HeldEdge & { version: string }>({
      name: 'feed.rebuild.unlisted-edges',
      text: `SELECT e.author_id AS "authorId", e.follower_id AS "followerId", e.version FROM ${this.t.edge} e
        WHERE e.following AND ($1::uuid IS NULL OR e.follower_id = $1)
          AND (e.follower_id, e.author_id) > ($2::uuid, $3::uuid)
          AND NOT EXISTS (SELECT 1 FROM ${this.t.rEdge} r WHERE r.author_id = e.author_id AND r.follower_id = e.follower_id)
        ORDER BY e.follower_id, e.author_id LIMIT $4`,
      values: [
        o.followerId ?? null,
        o.after?.followerId ?? '00000000-0000-0000-0000-000000000000',
        o.after?.authorId ?? '00000000-0000-0000-0000-000000000000',
        o.limit,
      ],
    });
    return r.rows.map((row) => ({ ...row, version: Number(row.version) }));
  }

  /**
   * Follows graph says no longer hold, set to not following — only if feed still has them at the
   * version it had (an event handled since decided by itself). The version stays: the unfollow's
   * own event, when it comes, is newer and applies; so does a later follow's.
   */
  async unfollowGone(edges: HeldEdge[]): Promise<number> {
    if (edges.length === 0) return 0;
    const r = await this.pool.query({
      name: 'feed.rebuild.unfollow-gone',
      text: `UPDATE ${this.t.edge} e SET following = false
        FROM unnest($1::uuid[], $2::uuid[], $3::bigint[]) AS x(a, f, v)
        WHERE e.author_id = x.a AND e.follower_id = x.f AND e.version = x.v AND e.following`,
      values: [edges.map((e) => e.authorId), edges.map((e) => e.followerId), edges.map((e) => e.version)],
    });
    return r.rowCount ?? 0;
  }

  /** Whom the user follows, as feed holds it now (graph's list merged with events handled). */
  async followees(userId: string): Promise<string[]> {
    const r = await this.pool.query<{ id: string }>({
      name: 'feed.rebuild.followees',
      text: `SELECT author_id AS id FROM ${this.t.edge} WHERE follower_id = $1 AND following ORDER BY author_id`,
      values: [userId],
    });
    return r.rows.map((row) => row.id);
  }

  /** A page of posts' posts, staged. */
  async stagePosts(posts: PostRef[]): Promise<void> {
    if (posts.length === 0) return;
    await this.pool.query({
      name: 'feed.rebuild.stage-posts',
      text: `INSERT INTO ${this.t.rPost} (post_id, author_id, created_at)
        SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[]) ON CONFLICT (post_id) DO NOTHING`,
      values: [posts.map((p) => p.id), posts.map((p) => p.authorId), posts.map((p) => p.createdAt)],
    });
    const mentions = posts.flatMap((p) => (p.mentionIds ?? []).map((userId) => ({ ...p, userId })));
    if (mentions.length === 0) return;
    await this.pool.query({
      name: 'feed.rebuild.stage-mentions',
      text: `INSERT INTO ${this.t.rMention} (post_id, user_id, author_id, created_at)
        SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::timestamptz[]) ON CONFLICT DO NOTHING`,
      values: [
        mentions.map((m) => m.id),
        mentions.map((m) => m.userId),
        mentions.map((m) => m.authorId),
        mentions.map((m) => m.createdAt),
      ],
    });
  }

  /**
   * Posts feed holds that posts did not list, by post id after `after`: anyone's, or (`userId`)
   * those of the user and its followees no older than the oldest post staged. Each was deleted
   * (its event lost or still coming) or made after posts' page passed it; the caller asks again.
   */
  async unlistedPosts(o: { userId?: string; after?: string; limit: number }): Promise<string[]> {
    const r = await this.pool.query<{ id: string }>({
      name: 'feed.rebuild.unlisted-posts',
      text: `SELECT p.post_id AS id FROM ${this.t.post} p
        WHERE p.post_id > $2::uuid
          AND NOT EXISTS (SELECT 1 FROM ${this.t.rPost} r WHERE r.post_id = p.post_id)
          AND ($1::uuid IS NULL OR (
            (p.author_id = $1 OR p.author_id IN (SELECT author_id FROM ${this.t.edge} WHERE follower_id = $1 AND following))
            AND p.created_at >= coalesce((SELECT min(created_at) FROM ${this.t.rPost}), '-infinity')))
        ORDER BY p.post_id LIMIT $3`,
      values: [o.userId ?? null, o.after ?? '00000000-0000-0000-0000-000000000000', o.limit],
    });
    return r.rows.map((row) => row.id);
  }

  /**
   * The users whose feeds an all-feeds rebuild rewrites: every follower, every author, every user
   * mentioned, and every user feed has a feed for (so that a feed of nothing but deleted posts is emptied too).
   */
  async stageAllUsers(): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.t.rUser} (user_id)
        SELECT follower_id FROM ${this.t.edge} WHERE following
        UNION SELECT author_id FROM ${this.t.rPost}
        UNION SELECT user_id FROM ${this.t.size}
        UNION SELECT user_id FROM ${this.t.mention}
        UNION SELECT user_id FROM ${this.t.rMention}
        ON CONFLICT DO NOTHING`,
    );
  }

  /** The next staged users, in id order after `after`. */
  async stagedUsers(after: string | undefined, limit: number): Promise<string[]> {
    const r = await this.pool.query<{ id: string }>({
      name: 'feed.rebuild.staged-users',
      text: `SELECT user_id AS id FROM ${this.t.rUser} WHERE user_id > $1::uuid ORDER BY user_id LIMIT $2`,
      values: [after ?? '00000000-0000-0000-0000-000000000000', limit],
    });
    return r.rows.map((row) => row.id);
  }

  /**
   * In one transaction under the exclusive rebuild gate: each of `authors`' newest staged posts
   * into author_post (the back-fill of a new follower); each of `users`' staged mentions into the
   * mention projection (kept to its newest `maxItems`); and each of `users`' feed rewritten: the
   * newest `maxItems` posts, staged or in author_post, of the user and everyone it follows, and
   * those that mention the user, none tombstoned; its size with it (a size row is made only for a
   * feed that has something: an empty one is built on first read). Answers how many items were
   * written.
   */
  rewrite(o: { authors: string[]; users: string[]; maxItems: number }): Promise<number> {
    return inTransaction(this.pool, {}, async (db) => {
      await rebuildGate(db, this.gateSpace, 'exclusive');
      if (o.authors.length > 0) await this.refillAuthorPosts(db, o.authors);
      if (o.users.length === 0) return 0;
      await this.refillMentions(db, o.users, o.maxItems);
      await db.query({
        name: 'feed.rebuild.clear-feeds',
        text: `DELETE FROM ${this.t.item} WHERE user_id = ANY($1::uuid[])`,
        values: [o.users],
      });
      const newest = (table: string) => `SELECT a.user_id, p.post_id, p.author_id, p.created_at FROM a
        CROSS JOIN LATERAL (SELECT post_id, author_id, created_at FROM ${table} WHERE author_id = a.author_id
          ORDER BY created_at DESC, post_id DESC LIMIT $2) p`;
      const written = await db.query({
        name: 'feed.rebuild.write-feeds',
        text: `WITH a AS (
            SELECT u AS user_id, u AS author_id FROM unnest($1::uuid[]) AS u
            UNION SELECT follower_id, author_id FROM ${this.t.edge} WHERE follower_id = ANY($1::uuid[]) AND following),
          c AS (${newest(this.t.rPost)} UNION ${newest(this.t.post)}
            UNION SELECT user_id, post_id, author_id, created_at FROM ${this.t.mention} WHERE user_id = ANY($1::uuid[]))
          INSERT INTO ${this.t.item} (user_id, post_id, author_id, created_at)
          SELECT user_id, post_id, author_id, created_at FROM (
            SELECT c.*, row_number() OVER (PARTITION BY user_id ORDER BY created_at DESC, post_id DESC) AS n FROM c
            WHERE NOT EXISTS (SELECT 1 FROM ${this.t.deleted} d WHERE d.post_id = c.post_id)) ranked
          WHERE n <= $2
          ON CONFLICT (user_id, post_id) DO NOTHING`,
        values: [o.users, o.maxItems],
      });
      await db.query({
        name: 'feed.rebuild.sizes',
        text: `INSERT INTO ${this.t.size} (user_id, size)
          SELECT u, n FROM (SELECT u, (SELECT count(*) FROM ${this.t.item} f WHERE f.user_id = u) AS n
            FROM unnest($1::uuid[]) AS u) counted WHERE n > 0 ORDER BY u
          ON CONFLICT (user_id) DO UPDATE SET size = EXCLUDED.size`,
        values: [o.users],
      });
      await db.query({
        name: 'feed.rebuild.sizes-empty',
        text: `UPDATE ${this.t.size} s SET size = 0 WHERE s.user_id = ANY($1::uuid[])
          AND NOT EXISTS (SELECT 1 FROM ${this.t.item} f WHERE f.user_id = s.user_id)`,
        values: [o.users],
      });
      return written.rowCount ?? 0;
    });
  }

  /** How many posts are staged. */
  async stagedPostCount(): Promise<number> {
    const r = await this.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${this.t.rPost}`);
    return Number(r.rows[0].n);
  }

  /** The staged authors (a one-user rebuild refills just those). */
  async stagedAuthors(): Promise<string[]> {
    const r = await this.pool.query<{ id: string }>(`SELECT DISTINCT author_id AS id FROM ${this.t.rPost}`);
    return r.rows.map((row) => row.id);
  }

  /** Each user's staged mentions into the mention projection, none tombstoned, trimmed to `maxItems`. */
  private async refillMentions(db: Queryable, users: string[], maxItems: number): Promise<void> {
    await db.query({
      name: 'feed.rebuild.refill-mentions',
      text: `INSERT INTO ${this.t.mention} (post_id, user_id, author_id, created_at)
        SELECT m.post_id, m.user_id, m.author_id, m.created_at FROM ${this.t.rMention} m
        WHERE m.user_id = ANY($1::uuid[]) AND NOT EXISTS (SELECT 1 FROM ${this.t.deleted} d WHERE d.post_id = m.post_id)
        ON CONFLICT (post_id, user_id) DO NOTHING`,
      values: [users],
    });
    await trimMentions(db, this.t.mention, users, maxItems);
  }

  /** Each author's newest staged posts into author_post, none tombstoned, trimmed to BACKFILL_POSTS. */
  private async refillAuthorPosts(db: Queryable, authors: string[]): Promise<void> {
    await db.query({
      name: 'feed.rebuild.refill-author-posts',
      text: `INSERT INTO ${this.t.post} (post_id, author_id, created_at)
        SELECT p.post_id, p.author_id, p.created_at FROM unnest($1::uuid[]) AS a(id)
        CROSS JOIN LATERAL (SELECT post_id, author_id, created_at FROM ${this.t.rPost} WHERE author_id = a.id
          ORDER BY created_at DESC, post_id DESC LIMIT $2) p
        WHERE NOT EXISTS (SELECT 1 FROM ${this.t.deleted} d WHERE d.post_id = p.post_id)
        ON CONFLICT (post_id) DO NOTHING`,
      values: [authors, BACKFILL_POSTS],
    });
    await db.query({
      name: 'feed.rebuild.trim-author-posts',
      text: `DELETE FROM ${this.t.post} t USING (
          SELECT post_id FROM (
            SELECT post_id, row_number() OVER (PARTITION BY author_id ORDER BY created_at DESC, post_id DESC) AS n
            FROM ${this.t.post} WHERE author_id = ANY($1::uuid[])) ranked WHERE n > $2) old
        WHERE t.post_id = old.post_id`,
      values: [authors, BACKFILL_POSTS],
    });
  }
}
