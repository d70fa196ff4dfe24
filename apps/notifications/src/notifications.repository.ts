// The only file that queries notifications' tables. Each event is handled in one transaction that
// first claims its event id (processed_event), so a redelivered event changes nothing; events
// about one post take that post's lock, events about one follow that pair's, so handlers of
// separate subjects running at once see each other's writes.
import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { DataSource } from 'typeorm';
import { NOTIFICATION_MAX_ACTORS, type AuthorSummary, type NotificationType } from '#contracts';
import { inTransaction, pgPool, qualifiedTable, type Queryable } from '#persistence';

export interface NotificationRow {
  id: string;
  recipientId: string;
  type: NotificationType;
  actor: AuthorSummary;
  actors: AuthorSummary[] | null;
  count: number | null;
  lastVersion: string | null;
  postId: string | null;
  postExcerpt: string | null;
  commentId: string | null;
  commentExcerpt: string | null;
  seq: string;
  createdAt: Date;
  read: boolean;
}

export interface NewNotification {
  recipientId: string;
  type: NotificationType;
  groupKey: string;
  actor: AuthorSummary;
  actors?: AuthorSummary[];
  count?: number;
  lastVersion?: number;
  postId?: string;
  postExcerpt?: string | null;
  commentId?: string;
  commentExcerpt?: string;
}

/** An unread notification deleted (taken back). */
export interface RemovedNotification {
  id: string;
  recipientId: string;
  type: NotificationType;
}

export interface PostRef {
  authorId: string;
  excerpt: string | null;
  deleted: boolean;
}

export interface LikeGroup {
  count: number;
  /** Newest first, at most NOTIFICATION_MAX_ACTORS. */
  actors: AuthorSummary[];
  /** The greatest version among the live likes. */
  maxVersion: number;
}

export interface PendingComment {
  commentId: string;
  author: AuthorSummary;
  excerpt: string;
}

type Tables = Record<'n' | 'marker' | 'processed' | 'post' | 'like' | 'follow' | 'comment' | 'seq', string>;

@Injectable()
export class NotificationsRepository {
  private readonly pool: pg.Pool;
  private readonly t: Tables;
  private readonly columns: string;

  constructor(@Inject(DataSource) dataSource: DataSource) {
    this.pool = pgPool(dataSource);
    const q = (name: string) => qualifiedTable(dataSource, name);
    this.t = {
      n: q('notification'),
      marker: q('read_marker'),
      processed: q('processed_event'),
      post: q('post_ref'),
      like: q('like_state'),
      follow: q('follow_state'),
      comment: q('comment_state'),
      seq: q('notification_seq'),
    };
    this.columns = `n.id, n.recipient_id AS "recipientId", n.type, n.actor, n.actors, n.count,
      n.last_version AS "lastVersion", n.post_id AS "postId", n.post_excerpt AS "postExcerpt",
      n.comment_id AS "commentId", n.comment_excerpt AS "commentExcerpt", n.seq, n.created_at AS "createdAt",
      n.seq <= COALESCE((SELECT m.up_to FROM ${this.t.marker} m WHERE m.user_id = n.recipient_id), 0) AS read`;
  }

  /** `body` in one transaction with the event's id claimed; null (and nothing done) if it was handled before. */
  handleOnce<T>(eventId: string, body: (db: Queryable) => Promise<T>): Promise<T | null> {
    return inTransaction(this.pool, {}, async (db) => {
      const claimed = await db.query({
        name: 'notifications.claim-event',
        text: `INSERT INTO ${this.t.processed} (event_id) VALUES ($1) ON CONFLICT DO NOTHING`,
        values: [eventId],
      });
      return claimed.rowCount === 1 ? body(db) : null;
    });
  }

  /** Deletes the claims of events handled longer than `olderThanMs` ago, in batches; answers how many. */
  async pruneClaims(olderThanMs: number): Promise<number> {
    let total = 0;
    for (;;) {
      const r = await this.pool.query({
        name: 'notifications.claims.prune',
        text: `DELETE FROM ${this.t.processed} WHERE event_id IN (
            SELECT event_id FROM ${this.t.processed}
            WHERE processed_at < now() - $1 * interval '1 millisecond' LIMIT 5000)`,
        values: [olderThanMs],
      });
      total += r.rowCount ?? 0;
      if ((r.rowCount ?? 0) < 5000) return total;
    }
  }

  /** Held until the transaction ends: every event about this post or this follow waits for it. */
  async lock(db: Queryable, kind: 'post' | 'follow', key: string): Promise<void> {
    await db.query({
      name: 'notifications.lock',
      text: 'SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))',
      values: [`${this.t.n}.${kind}`, key.toLowerCase()],
    });
  }

  /** The post as notifications knows it; null when no event about it arrived yet. */
  async post(db: Queryable, postId: string): Promise<PostRef | null> {
    const r = await db.query<PostRef>({
      name: 'notifications.post',
      text: `SELECT author_id AS "authorId", excerpt, deleted FROM ${this.t.post} WHERE post_id = $1`,
      values: [postId],
    });
    return r.rows[0] ?? null;
  }

  /** Whether the post is new here (false: known already, or deleted before its created event came). */
  async recordPost(db: Queryable, p: { postId: string; authorId: string; excerpt: string | null }): Promise<boolean> {
    const r = await db.query({
      name: 'notifications.post.insert',
      text: `INSERT INTO ${this.t.post} (post_id, author_id, excerpt) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
      values: [p.postId, p.authorId, p.excerpt],
    });
    return r.rowCount === 1;
  }

  /** The post buried: its unread notifications (likes, comments, mentions) and its likes and comments gone. */
  async buryPost(db: Queryable, p: { postId: string; authorId: string }): Promise<RemovedNotification[]> {
    await db.query({
      name: 'notifications.post.bury',
      text: `INSERT INTO ${this.t.post} (post_id, author_id, deleted) VALUES ($1, $2, true)
        ON CONFLICT (post_id) DO UPDATE SET deleted = true, excerpt = NULL`,
      values: [p.postId, p.authorId],
    });
    const removed = await db.query<RemovedNotification>({
      name: 'notifications.delete-unread-of-post',
      text: `DELETE FROM ${this.t.n} n WHERE n.post_id = $1
        AND n.seq > COALESCE((SELECT m.up_to FROM ${this.t.marker} m WHERE m.user_id = n.recipient_id), 0)
        RETURNING n.id, n.recipient_id AS "recipientId", n.type`,
      values: [p.postId],
    });
    await db.query({
      name: 'notifications.likes.delete-by-post',
      text: `DELETE FROM ${this.t.like} WHERE post_id = $1`,
      values: [p.postId],
    });
    await db.query({
      name: 'notifications.comments.delete-by-post',
      text: `DELETE FROM ${this.t.comment} WHERE post_id = $1 AND NOT deleted`,
      values: [p.postId],
    });
    return removed.rows;
  }

  /** Whether this (greater) version changed the like's state; an older one changes nothing. */
  async setLike(db: Queryable, l: { postId: string; user: AuthorSummary; version: number; liked: boolean }) {
    const r = await db.query({
      name: 'notifications.like.set',
      text: `INSERT INTO ${this.t.like} AS l (post_id, user_id, liked, version, actor) VALUES ($1, $2, $3, $4, $5::jsonb)
        ON CONFLICT (post_id, user_id) DO UPDATE SET liked = excluded.liked, version = excluded.version,
          actor = excluded.actor WHERE l.version < excluded.version`,
      values: [l.postId, l.user.id, l.liked, l.version, JSON.stringify(l.user)],
    });
    return r.rowCount === 1;
  }

  /** The post's live likes but its author's own. */
  async likeGroup(db: Queryable, postId: string, authorId: string): Promise<LikeGroup> {
    const r = await db.query<{ count: number; actors: AuthorSummary[] | null; maxVersion: string | null }>({
      name: 'notifications.like.group',
      text: `SELECT count(*)::int AS count, max(version) AS "maxVersion",
          (array_agg(actor ORDER BY version DESC))[1:${NOTIFICATION_MAX_ACTORS}] AS actors
        FROM ${this.t.like} WHERE post_id = $1 AND liked AND user_id <> $2`,
      values: [postId, authorId],
    });
    const row = r.rows[0];
    return { count: row?.count ?? 0, actors: row?.actors ?? [], maxVersion: Number(row?.maxVersion ?? 0) };
  }

  /** Whether this (greater) version changed the follow's state. */
  async setFollow(db: Queryable, f: { followerId: string; followeeId: string; version: number; following: boolean }) {
    const r = await db.query({
      name: 'notifications.follow.set',
      text: `INSERT INTO ${this.t.follow} AS f (follower_id, followee_id, following, version) VALUES ($1, $2, $3, $4)
        ON CONFLICT (follower_id, followee_id) DO UPDATE SET following = excluded.following,
          version = excluded.version WHERE f.version < excluded.version`,
      values: [f.followerId, f.followeeId, f.following, f.version],
    });
    return r.rowCount === 1;
  }

  /** Whether the comment is new here (false: known, or deleted before its created event came). */
  async recordComment(db: Queryable, c: PendingComment & { postId: string }): Promise<boolean> {
    const r = await db.query({
      name: 'notifications.comment.insert',
      text: `INSERT INTO ${this.t.comment} (comment_id, post_id, author, excerpt) VALUES ($1, $2, $3::jsonb, $4)
        ON CONFLICT DO NOTHING`,
      values: [c.commentId, c.postId, JSON.stringify(c.author), c.excerpt],
    });
    return r.rowCount === 1;
  }

  async buryComment(db: Queryable, c: { commentId: string; postId: string; author: AuthorSummary }): Promise<void> {
    await db.query({
      name: 'notifications.comment.bury',
      text: `INSERT INTO ${this.t.comment} (comment_id, post_id, author, deleted) VALUES ($1, $2, $3::jsonb, true)
        ON CONFLICT (comment_id) DO UPDATE SET deleted = true, excerpt = NULL`,
      values: [c.commentId, c.postId, JSON.stringify(c.author)],
    });
  }

  /** The live comments of a post that arrived before the post did. */
  async commentsOf(db: Queryable, postId: string): Promise<PendingComment[]> {
    const r = await db.query<PendingComment>({
      name: 'notifications.comments.of-post',
      text: `SELECT comment_id AS "commentId", author, excerpt FROM ${this.t.comment} WHERE post_id = $1 AND NOT deleted`,
      values: [postId],
    });
    return r.rows;
  }

  async find(db: Queryable, recipientId: string, groupKey: string): Promise<NotificationRow | null> {
    const r = await db.query<NotificationRow>({
      name: 'notifications.find',
      text: `SELECT ${this.columns} FROM ${this.t.n} n WHERE n.recipient_id = $1 AND n.group_key = $2`,
      values: [recipientId, groupKey],
    });
    return r.rows[0] ?? null;
  }

  /** A new notification; null when one with its group key exists already (left as it was). */
  async insert(db: Queryable, n: NewNotification): Promise<NotificationRow | null> {
    return this.write(db, n, 'DO NOTHING', 'notifications.insert');
  }

  /** A new notification, or its group moved to the top with these facts (a new seq: unread again). */
  async upsert(db: Queryable, n: NewNotification): Promise<NotificationRow> {
    const bump = `DO UPDATE SET actor = excluded.actor, actors = excluded.actors, count = excluded.count,
      last_version = excluded.last_version, post_excerpt = excluded.post_excerpt, seq = excluded.seq,
      created_at = excluded.created_at`;
    const row = await this.write(db, n, bump, 'notifications.upsert');
    if (!row) throw new Error('an upsert wrote no notification');
    return row;
  }

  /** A like group's count and latest likers, where it stays (an unlike). */
  async updateLikers(db: Queryable, id: string, g: LikeGroup): Promise<void> {
    await db.query({
      name: 'notifications.update-likers',
      text: `UPDATE ${this.t.n} SET count = $2, actors = $3::jsonb, actor = $4::jsonb WHERE id = $1`,
      values: [id, g.count, JSON.stringify(g.actors), JSON.stringify(g.actors[0])],
    });
  }

  /** The notification removed if it is unread (a read one stays, as history); what went. */
  async deleteUnread(db: Queryable, recipientId: string, groupKey: string): Promise<RemovedNotification[]> {
    const r = await db.query<RemovedNotification>({
      name: 'notifications.delete-unread',
      text: `DELETE FROM ${this.t.n} n WHERE n.recipient_id = $1 AND n.group_key = $2
        AND n.seq > COALESCE((SELECT m.up_to FROM ${this.t.marker} m WHERE m.user_id = $1), 0)
        RETURNING n.id, n.recipient_id AS "recipientId", n.type`,
      values: [recipientId, groupKey],
    });
    return r.rows;
  }

  /** Newest first, strictly before `beforeSeq`. */
  async page(userId: string, beforeSeq: string | undefined, limit: number): Promise<NotificationRow[]> {
    const r = await this.pool.query<NotificationRow>({
      name: beforeSeq ? 'notifications.page.after' : 'notifications.page',
      text: `SELECT ${this.columns} FROM ${this.t.n} n WHERE n.recipient_id = $1
        ${beforeSeq ? 'AND n.seq < $3::bigint' : ''} ORDER BY n.seq DESC LIMIT $2`,
      values: beforeSeq ? [userId, limit, beforeSeq] : [userId, limit],
    });
    return r.rows;
  }

  async unread(userId: string): Promise<number> {
    const r = await this.pool.query<{ unread: number }>({
      name: 'notifications.unread',
      text: `SELECT count(*)::int AS unread FROM ${this.t.n} n WHERE n.recipient_id = $1
        AND n.seq > COALESCE((SELECT m.up_to FROM ${this.t.marker} m WHERE m.user_id = $1), 0)`,
      values: [userId],
    });
    return r.rows[0]?.unread ?? 0;
  }

  /** The marker moved up to this notification of the user's (never back); false if the user has no such one. */
  async markRead(userId: string, upTo: string): Promise<boolean> {
    const r = await this.pool.query({
      name: 'notifications.mark-read',
      text: `INSERT INTO ${this.t.marker} AS m (user_id, up_to)
          SELECT recipient_id, seq FROM ${this.t.n} WHERE id = $2 AND recipient_id = $1
        ON CONFLICT (user_id) DO UPDATE SET up_to = GREATEST(m.up_to, excluded.up_to)`,
      values: [userId, upTo],
    });
    return r.rowCount === 1;
  }

  private async write(
    db: Queryable,
    n: NewNotification,
    onConflict: string,
    name: string,
  ): Promise<NotificationRow | null> {
    const r = await db.query<NotificationRow>({
      name,
      text: `WITH w AS (
          INSERT INTO ${this.t.n} (id, recipient_id, type, group_key, actor, actors, count, last_version, post_id,
            post_excerpt, comment_id, comment_excerpt, seq, created_at)
          VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8, $9, $10, $11, $12, nextval('${this.t.seq}'), now())
          ON CONFLICT (recipient_id, group_key) ${onConflict} RETURNING *)
        SELECT ${this.columns} FROM w n`,
      values: [
        randomUUID(),
        n.recipientId,
        n.type,
        n.groupKey,
        JSON.stringify(n.actor),
        n.actors ? JSON.stringify(n.actors) : null,
        n.count ?? null,
        n.lastVersion ?? null,
        n.postId ?? null,
        n.postExcerpt ?? null,
        n.commentId ?? null,
        n.commentExcerpt ?? null,
      ],
    });
    return r.rows[0] ?? null;
  }
}
