// The only file that queries feed's tables. Events handled at the same time by different
// consumers (and replicas) never miss each other, and no author's events wait for each other:
// - a post's tombstone lock (Tombstones) around anything that writes that post into feeds, so a
//   delete handled meanwhile is never undone;
// - a post and a follow of its author see each other by order, not by a lock: a post is recorded
//   (author_post, its mentions) and committed before its followers are read for the fan-out; a
//   follow's edge is committed before its back-fill reads author_post. Whichever commits second
//   sees the other's commit, so the follower gets the post by the fan-out or by the back-fill
//   (both insert ON CONFLICT DO NOTHING);
// - the writes that depend on a follow's state (a fan-out's and a back-fill's inserts, an
//   unfollow's removal) lock that follow's edge row FOR SHARE and re-check it, so a follow's
//   state changing meanwhile waits for them, or they see the change: an unfollow never leaves a
//   post behind, a back-fill never lands after the unfollow that undid it. An unfollow keeps the
//   posts that mention the follower: their mentions were committed before their fan-out began;
// - a back-fill locks the author_post rows it copies FOR SHARE, so a delete of one of them waits
//   for it and then removes what it copied too (or it finds the row gone);
// - the rebuild gate (rebuildGate), shared by every handler that takes posts out of feeds (a
//   delete, an unfollow), exclusive for a rebuild's batch that rewrites feeds: a batch that read
//   a post or a follow just before a delete or unfollow committed must not write it back after
//   (feed-rebuild.repository.ts). Posts going in (fan-out, back-fill) need no gate: a batch that
//   rewrites a feed also reads what they wrote, and both insert ON CONFLICT DO NOTHING.
// Feed sizes (feed_size, which says when to trim) are not counted in those transactions: every
// post's fan-out would lock the size rows of all its followers until its commit, and posts of
// authors with followers in common would queue behind each other (what held feed lag at 200
// posts/s). Each replica adds up what went in and out in memory after the commits and writes the
// sums, and trims what grew past its maximum, every FEED_SIZE_FLUSH_MS in one short transaction.
// A trim takes off what it deleted (it does not recount: a count would also hold the items whose
// sums are still in some replica's memory, and those would be counted twice when written). A
// replica killed (not stopped: a stop writes its sums) loses at most that long's sums: those feeds
// run that many items longer before their trims, until `feed rebuild` counts them again.
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Logger } from 'pino';
import type pg from 'pg';
import { DataSource } from 'typeorm';
import type { KeysetPosition } from '#contracts';
import { inTransaction, pgPool, qualifiedTable, Tombstones, type Queryable } from '#persistence';
import { FEED_CONFIG, FEED_LOGGER, type FeedSettings } from './feed.settings.js';

export interface FeedPost {
  postId: string;
  authorId: string;
  createdAt: string;
}

/** A post in a feed, and whether the feed's owner follows its author (feed's follow_edge). */
export interface FeedPageItem extends FeedPost {
  authorFollowed: boolean;
}

/** How many of an author's newest posts feed keeps to back-fill a new follower's feed. */
export const BACKFILL_POSTS = 100;
/** A feed is trimmed once it holds this many more than its maximum (not on every post). */
const TRIM_SLACK = 50;

/**
 * Feed's rebuild gate, until `db`'s transaction ends: shared for the event handlers that remove,
 * exclusive for a rebuild batch (see the header). Its own two-key lock space (`<schema>.feed_item.gate`).
 */
export async function rebuildGate(db: Queryable, space: string, mode: 'shared' | 'exclusive'): Promise<void> {
  await db.query({
    name: `feed.rebuild-gate.${mode}`,
    text: `SELECT ${mode === 'shared' ? 'pg_advisory_xact_lock_shared' : 'pg_advisory_xact_lock'}(hashtext($1), 0)`,
    values: [space],
  });
}

/**
 * Each of `userIds` keeps its newest `maxItems` mentions: an older one could not be in their
 * (trimmed) feed anyway. Posts recorded at the same time each trim what they see, so a few more
 * may stay a while.
 */
export async function trimMentions(db: Queryable, table: string, userIds: string[], maxItems: number): Promise<void> {
  await db.query({
    name: 'feed.mention.trim',
    text: `DELETE FROM ${table} m USING (
        SELECT user_id, post_id FROM (
          SELECT user_id, post_id, row_number() OVER (PARTITION BY user_id ORDER BY created_at DESC, post_id DESC) AS n
          FROM ${table} WHERE user_id = ANY($1::uuid[])) ranked WHERE n > $2) old
      WHERE m.user_id = old.user_id AND m.post_id = old.post_id`,
    values: [userIds, maxItems],
  });
}

@Injectable()
export class FeedRepository implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly pool: pg.Pool;
  private readonly t: { edge: string; post: string; item: string; size: string; mention: string };
  private readonly tombstones: Tombstones;
  private readonly gateSpace: string;
  /** Per user: items in minus items out since the last flush of sizes (see the header). */
  private growth = new Map<string, number>();
  private flushTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private stopped = false;
  private flushFailing = false;

  constructor(
    @Inject(DataSource) dataSource: DataSource,
    @Inject(FEED_CONFIG) private readonly settings: FeedSettings,
    @Inject(FEED_LOGGER) private readonly logger: Logger,
  ) {
    this.pool = pgPool(dataSource);
    this.t = {
      edge: qualifiedTable(dataSource, 'follow_edge'),
      post: qualifiedTable(dataSource, 'author_post'),
      item: qualifiedTable(dataSource, 'feed_item'),
      size: qualifiedTable(dataSource, 'feed_size'),
      mention: qualifiedTable(dataSource, 'mention'),
    };
    this.tombstones = new Tombstones(dataSource);
    this.gateSpace = `${this.t.item}.gate`;
  }

  onApplicationBootstrap(): void {
    this.scheduleFlush();
  }

  /** After the consumers drained: what they counted is written before the pool closes. */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.flushTimer);
    await this.flushing;
    await this.flushSizes().catch((err: unknown) =>
      this.logger.warn({ err }, 'writing feed sizes on stop failed; those feeds are trimmed later'),
    );
  }

  /** Committed: these feeds each got one item more (`by` 1) or lost one (`by` -1), per entry. */
  private counted(userIds: string[], by: 1 | -1): void {
    for (const u of userIds) this.growth.set(u, (this.growth.get(u) ?? 0) + by);
  }

  private scheduleFlush(): void {
    this.flushTimer = setTimeout(() => {
      this.flushing = this.flushSizes()
        .then(() => {
          this.flushFailing = false;
        })
        .catch((err: unknown) => {
          // Once per outage (PostgreSQL gone), not every FEED_SIZE_FLUSH_MS.
          if (!this.flushFailing) this.logger.warn({ err }, 'writing feed sizes failed; next time again');
          this.flushFailing = true;
        })
        .finally(() => {
          this.flushing = undefined;
          if (!this.stopped) this.scheduleFlush();
        });
    }, this.settings.sizeFlushMs);
    this.flushTimer.unref();
  }

  /**
   * The sums counted since the last flush into feed_size, and the feeds now past their maximum
   * (plus slack) trimmed to it, in one transaction; failed, the sums are kept for the next one.
   * Size rows are locked in user id order (the upsert's ORDER BY), so two replicas' flushes wait
   * for each other instead of deadlocking. Answers how many feeds it trimmed.
   */
  async flushSizes(): Promise<number> {
    if (this.growth.size === 0) return 0;
    const growth = this.growth;
    this.growth = new Map();
    try {
      return await inTransaction(this.pool, {}, (db) => this.applyGrowth(db, growth));
    } catch (err) {
      for (const [u, n] of growth) this.growth.set(u, (this.growth.get(u) ?? 0) + n);
      throw err;
    }
  }

  /**
   * A new post recorded as its author's, and as mentioning `mentionedIds`; false when it was
   * deleted already. Committed before its fan-out reads the followers (see the header). Each
   * user keeps their newest `maxItems` mentions.
   */
  recordPost(p: FeedPost, mentionedIds: string[], maxItems: number): Promise<boolean> {
    return inTransaction(this.pool, {}, async (db) => {
      if (!(await this.tombstones.lockLive(db, p.postId))) return false;
      await db.query({
        name: 'feed.author-post.insert',
        text: `INSERT INTO ${this.t.post} (post_id, author_id, created_at) VALUES ($1, $2, $3)
          ON CONFLICT (post_id) DO NOTHING`,
        values: [p.postId, p.authorId, p.createdAt],
      });
      await db.query({
        name: 'feed.author-post.trim',
        text: `DELETE FROM ${this.t.post} WHERE post_id IN (SELECT post_id FROM ${this.t.post} WHERE author_id = $1
          ORDER BY created_at DESC, post_id DESC OFFSET $2)`,
        values: [p.authorId, BACKFILL_POSTS],
      });
      if (mentionedIds.length > 0) await this.recordMentions(db, p, mentionedIds, maxItems);
      return true;
    });
  }

  /** Who follows `authorId` as feed knows it now (read after the post was recorded). */
  async followersOf(authorId: string): Promise<string[]> {
    const r = await this.pool.query<{ id: string }>({
      name: 'feed.followers',
      text: `SELECT follower_id AS id FROM ${this.t.edge} WHERE author_id = $1 AND following`,
      values: [authorId],
    });
    return r.rows.map((row) => row.id);
  }

  private async recordMentions(db: Queryable, p: FeedPost, userIds: string[], maxItems: number): Promise<void> {
    await db.query({
      name: 'feed.mention.insert',
      text: `INSERT INTO ${this.t.mention} (post_id, user_id, author_id, created_at)
        SELECT $1, u, $2, $3 FROM unnest($4::uuid[]) AS u ON CONFLICT (post_id, user_id) DO NOTHING`,
      values: [p.postId, p.authorId, p.createdAt, userIds],
    });
    await trimMentions(db, this.t.mention, userIds, maxItems);
  }

  /**
   * The post into these users' feeds, those who still follow its author at this moment, are its
   * author, or are mentioned by it; nothing if the post has been deleted meanwhile. Answers how
   * many feeds got it.
   */
  async fanOut(p: FeedPost, userIds: string[]): Promise<number> {
    const got = await inTransaction(this.pool, {}, async (db) => {
      if (!(await this.tombstones.lockLive(db, p.postId))) return [];
      // The follow edge locked FOR SHARE: an unfollow of it waits for this commit (see the header).
      const r = await db.query<{ user_id: string }>({
        name: 'feed.fan-out',
        text: `INSERT INTO ${this.t.item} (user_id, post_id, author_id, created_at)
          SELECT u, $2, $3, $4 FROM unnest($1::uuid[]) AS u
          WHERE u = $3
            OR EXISTS (SELECT 1 FROM ${this.t.mention} m WHERE m.post_id = $2 AND m.user_id = u)
            OR EXISTS (SELECT 1 FROM ${this.t.edge} e WHERE e.author_id = $3 AND e.follower_id = u AND e.following FOR SHARE)
          ON CONFLICT (user_id, post_id) DO NOTHING RETURNING user_id`,
        values: [userIds, p.postId, p.authorId, p.createdAt],
      });
      return r.rows.map((row) => row.user_id);
    });
    this.counted(got, 1);
    return got.length;
  }

  /** A deleted post leaves every feed (idempotent: the tombstone stays, nothing is left). */
  async removePost(postId: string): Promise<number> {
    const lost = await this.tombstones.bury(postId, async (db) => {
      await rebuildGate(db, this.gateSpace, 'shared');
      await db.query({
        name: 'feed.author-post.delete',
        text: `DELETE FROM ${this.t.post} WHERE post_id = $1`,
        values: [postId],
      });
      await db.query({
        name: 'feed.mention.delete-post',
        text: `DELETE FROM ${this.t.mention} WHERE post_id = $1`,
        values: [postId],
      });
      const r = await db.query<{ user_id: string }>({
        name: 'feed.item.delete-post',
        text: `DELETE FROM ${this.t.item} WHERE post_id = $1 RETURNING user_id`,
        values: [postId],
      });
      return r.rows.map((row) => row.user_id);
    });
    this.counted(lost, -1);
    return lost.length;
  }

  /**
   * A follow's new state, if `version` is newer than what feed has (a redelivered or overtaken
   * event changes nothing), committed; then, while that state is still the edge's, its effect:
   * following back-fills the author's recent posts into the follower's feed; no longer following
   * removes them, except those that mention the follower. The effect runs again on a
   * redelivery of the current state (a replica may have died between the two), and changes
   * nothing the first run did. Answers whether the state changed.
   */
  async applyFollow(f: {
    authorId: string;
    followerId: string;
    following: boolean;
    version: number;
  }): Promise<boolean> {
    const applied = await inTransaction(this.pool, {}, async (db) => {
      await rebuildGate(db, this.gateSpace, 'shared');
      const r = await db.query({
        name: 'feed.edge.upsert',
        text: `INSERT INTO ${this.t.edge} (author_id, follower_id, following, version) VALUES ($1, $2, $3, $4)
          ON CONFLICT (author_id, follower_id) DO UPDATE SET following = EXCLUDED.following, version = EXCLUDED.version
          WHERE ${this.t.edge}.version < EXCLUDED.version`,
        values: [f.authorId, f.followerId, f.following, f.version],
      });
      return (r.rowCount ?? 0) > 0;
    });
    const changed = await this.followEffect(f);
    this.counted(changed, f.following ? 1 : -1);
    return applied;
  }

  /**
   * applyFollow's second step, under the edge row's share lock, only while it is in `f`'s state.
   * Answers the feed of each item it put in (following) or took out (not following).
   */
  private followEffect(f: {
    authorId: string;
    followerId: string;
    following: boolean;
    version: number;
  }): Promise<string[]> {
    return inTransaction(this.pool, {}, async (db) => {
      await rebuildGate(db, this.gateSpace, 'shared');
      const current = await db.query({
        name: 'feed.edge.lock',
        text: `SELECT 1 FROM ${this.t.edge} WHERE author_id = $1 AND follower_id = $2 AND version = $3 AND following = $4
          FOR SHARE`,
        values: [f.authorId, f.followerId, f.version, f.following],
      });
      if (current.rowCount === 0) return [];
      if (f.following) {
        const r = await db.query<{ user_id: string }>({
          name: 'feed.item.backfill',
          text: `INSERT INTO ${this.t.item} (user_id, post_id, author_id, created_at)
            SELECT $2, post_id, author_id, created_at FROM ${this.t.post} WHERE author_id = $1
            ORDER BY created_at DESC, post_id DESC LIMIT $3 FOR SHARE
            ON CONFLICT (user_id, post_id) DO NOTHING RETURNING user_id`,
          values: [f.authorId, f.followerId, BACKFILL_POSTS],
        });
        return r.rows.map((row) => row.user_id);
      } else {
        const r = await db.query<{ user_id: string }>({
          name: 'feed.item.delete-author',
          text: `DELETE FROM ${this.t.item} f WHERE f.user_id = $1 AND f.author_id = $2
            AND NOT EXISTS (SELECT 1 FROM ${this.t.mention} m WHERE m.post_id = f.post_id AND m.user_id = $1)
            RETURNING f.user_id`,
          values: [f.followerId, f.authorId],
        });
        return r.rows.map((row) => row.user_id);
      }
    });
  }

  /**
   * A feed that was never built (or was lost) built from feed's own projections: the newest
   * posts of the user and of everyone the user follows, and the posts that mention the user. A no-op for a feed that exists; answers
   * whether it built one.
   */
  ensureBuilt(userId: string, maxItems: number): Promise<boolean> {
    return inTransaction(this.pool, {}, async (db) => {
      const known = await db.query({
        name: 'feed.size.find',
        text: `SELECT 1 FROM ${this.t.size} WHERE user_id = $1`,
        values: [userId],
      });
      if (known.rowCount === 1) return false;
      await db.query({
        name: 'feed.item.build',
        text: `INSERT INTO ${this.t.item} (user_id, post_id, author_id, created_at)
          SELECT $1, post_id, author_id, created_at FROM (
            SELECT p.post_id, p.author_id, p.created_at FROM ${this.t.post} p
            WHERE p.author_id = $1 OR p.author_id IN (SELECT author_id FROM ${this.t.edge} WHERE follower_id = $1 AND following)
            UNION
            SELECT m.post_id, m.author_id, m.created_at FROM ${this.t.mention} m WHERE m.user_id = $1
          ) own ORDER BY created_at DESC, post_id DESC LIMIT $2
          ON CONFLICT (user_id, post_id) DO NOTHING`,
        values: [userId, maxItems],
      });
      await db.query({
        name: 'feed.size.build',
        text: `INSERT INTO ${this.t.size} (user_id, size)
          VALUES ($1, (SELECT count(*) FROM ${this.t.item} WHERE user_id = $1)) ON CONFLICT (user_id) DO NOTHING`,
        values: [userId],
      });
      return true;
    });
  }

  /**
   * Newest first, strictly after `after`: no gaps or repeats while posts arrive. Each with
   * whether the user follows its author (one primary-key probe of follow_edge per row).
   */
  async page(o: { userId: string; after?: KeysetPosition; limit: number }): Promise<FeedPageItem[]> {
    const columns = `f.post_id AS "postId", f.author_id AS "authorId", f.created_at AS "createdAt",
      EXISTS (SELECT 1 FROM ${this.t.edge} e WHERE e.author_id = f.author_id AND e.follower_id = f.user_id AND e.following)
        AS "authorFollowed"`;
    const r = o.after
      ? await this.pool.query<FeedPageItem & { createdAt: Date }>({
          name: 'feed.page.after',
          text: `SELECT ${columns} FROM ${this.t.item} f WHERE f.user_id = $1 AND (f.created_at, f.post_id) < ($2::timestamptz, $3::uuid)
            ORDER BY f.created_at DESC, f.post_id DESC LIMIT $4`,
          values: [o.userId, o.after.createdAt, o.after.id, o.limit],
        })
      : await this.pool.query<FeedPageItem & { createdAt: Date }>({
          name: 'feed.page',
          text: `SELECT ${columns} FROM ${this.t.item} f WHERE f.user_id = $1 ORDER BY f.created_at DESC, f.post_id DESC LIMIT $2`,
          values: [o.userId, o.limit],
        });
    return r.rows.map((row) => ({ ...row, createdAt: new Date(row.createdAt).toISOString() }));
  }

  /**
   * flushSizes' transaction: each feed's size moved by its sum (a feed's row made if it had
   * none), then the feeds past their maximum plus slack trimmed to their newest maxItems and
   * what each lost taken off its size. A size is the sum of every replica's counts, so it may dip
   * below 0 for a moment (one replica's removal written before another's insertion).
   */
  private async applyGrowth(db: Queryable, growth: Map<string, number>): Promise<number> {
    const changed = [...growth].filter(([, n]) => n !== 0);
    if (changed.length === 0) return 0;
    const r = await db.query<{ user_id: string; size: number }>({
      name: 'feed.size.add',
      text: `INSERT INTO ${this.t.size} (user_id, size)
        SELECT u, n FROM unnest($1::uuid[], $2::int[]) AS d(u, n) ORDER BY u
        ON CONFLICT (user_id) DO UPDATE SET size = ${this.t.size}.size + EXCLUDED.size
        RETURNING user_id, size`,
      values: [changed.map(([u]) => u), changed.map(([, n]) => n)],
    });
    const full = r.rows.filter((row) => row.size > this.settings.maxItems + TRIM_SLACK).map((row) => row.user_id);
    if (full.length === 0) return 0;
    // One statement: what each feed lost is taken off its size (see the header for why not a recount).
    await db.query({
      name: 'feed.item.trim',
      text: `WITH gone AS (DELETE FROM ${this.t.item} f USING (
          SELECT user_id, post_id FROM (
            SELECT user_id, post_id, row_number() OVER (PARTITION BY user_id ORDER BY created_at DESC, post_id DESC) AS n
            FROM ${this.t.item} WHERE user_id = ANY($1::uuid[])) ranked WHERE n > $2) old
        WHERE f.user_id = old.user_id AND f.post_id = old.post_id RETURNING f.user_id),
        lost AS (SELECT user_id, count(*)::int AS n FROM gone GROUP BY user_id)
        UPDATE ${this.t.size} s SET size = s.size - lost.n FROM lost WHERE s.user_id = lost.user_id`,
      values: [full, this.settings.maxItems],
    });
    return full.length;
  }
}
