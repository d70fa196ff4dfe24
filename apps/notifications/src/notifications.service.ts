// The rules of notifications; no NATS, no SQL. Each event is handled once (its id is claimed in
// the transaction that applies it). Your own actions never notify you. An unlike, an unfollow, a
// deleted comment or post removes its notification while it is unread. Likes of one post are
// one notification (count and latest likers), moved up and unread again by each new like.
// Versions (likes, follows) and tombstones (posts, comments) make the outcome the same whichever
// order the events of separate subjects arrive in; a like or comment that arrives before its
// post waits in the projection and is told when the post's created event comes. After the commit
// each told notification is pushed live, and each unread one taken back is pushed as a removal.
import { Injectable } from '@nestjs/common';
import {
  ErrorCodes,
  MeshError,
  type CommentCreatedEvent,
  type CommentDeletedEvent,
  type FollowedEvent,
  type LikedEvent,
  type ListNotificationsRequest,
  type MarkReadRequest,
  type NotificationPage,
  type PostCreatedEvent,
  type PostDeletedEvent,
  type UnfollowedEvent,
  type UnreadCountReply,
  type UnreadCountRequest,
} from '#contracts';
import type { Queryable } from '#persistence';
import { LivePublisher } from './live-publisher.js';
import { decodeSeqCursor, encodeSeqCursor, toNotification } from './notification.mapper.js';
import {
  NotificationsRepository,
  type NotificationRow,
  type PendingComment,
  type RemovedNotification,
} from './notifications.repository.js';

/** What one event did: notifications told (new or moved up) and unread ones taken back. */
type Effect = NotificationRow | { removed: RemovedNotification };
const removals = (rows: RemovedNotification[]): Effect[] => rows.map((removed) => ({ removed }));

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

@Injectable()
export class NotificationsService {
  constructor(
    private readonly repo: NotificationsRepository,
    private readonly live: LivePublisher,
  ) {}

  /** The post known (its author, for likes and comments); its mentions told; what waited for it told. */
  postCreated(e: PostCreatedEvent): Promise<void> {
    return this.apply(e.eventId, async (db) => {
      await this.repo.lock(db, 'post', e.postId);
      const isNew = await this.repo.recordPost(db, {
        postId: e.postId,
        authorId: e.authorId,
        excerpt: e.excerpt ?? null,
      });
      if (!isNew) return [];
      const told: Effect[] = [];
      // An event without its author cannot say who mentioned you (older events): nothing told.
      const mentioned = new Map((e.author ? (e.mentions ?? []) : []).map((m) => [m.id.toLowerCase(), m]));
      for (const m of mentioned.values()) {
        if (same(m.id, e.authorId)) continue;
        const n = await this.repo.insert(db, {
          recipientId: m.id,
          type: 'mention',
          groupKey: `mention:${e.postId}`,
          actor: e.author!,
          postId: e.postId,
          postExcerpt: e.excerpt ?? null,
        });
        if (n) told.push(n);
      }
      told.push(...(await this.refreshLikes(db, e.postId)));
      for (const c of await this.repo.commentsOf(db, e.postId)) told.push(...(await this.tellComment(db, e.postId, c)));
      return told;
    });
  }

  postDeleted(e: PostDeletedEvent): Promise<void> {
    return this.apply(e.eventId, async (db) => {
      await this.repo.lock(db, 'post', e.postId);
      return removals(await this.repo.buryPost(db, { postId: e.postId, authorId: e.authorId }));
    });
  }

  followed(e: FollowedEvent): Promise<void> {
    return this.apply(e.eventId, async (db) => {
      await this.repo.lock(db, 'follow', `${e.follower.id} ${e.followee.id}`);
      const f = { followerId: e.follower.id, followeeId: e.followee.id, version: e.version, following: true };
      if (!(await this.repo.setFollow(db, f)) || same(e.follower.id, e.followee.id)) return [];
      const n = await this.repo.upsert(db, {
        recipientId: e.followee.id,
        type: 'follow',
        groupKey: `follow:${e.follower.id.toLowerCase()}`,
        actor: e.follower,
      });
      return [n];
    });
  }

  unfollowed(e: UnfollowedEvent): Promise<void> {
    return this.apply(e.eventId, async (db) => {
      await this.repo.lock(db, 'follow', `${e.follower.id} ${e.followee.id}`);
      const f = { followerId: e.follower.id, followeeId: e.followee.id, version: e.version, following: false };
      if (!(await this.repo.setFollow(db, f))) return [];
      return removals(await this.repo.deleteUnread(db, e.followee.id, `follow:${e.follower.id.toLowerCase()}`));
    });
  }

  /** events.likes.liked (liked) or unliked: the like's state by version, then the post's group. */
  likeChanged(e: LikedEvent, liked: boolean): Promise<void> {
    return this.apply(e.eventId, async (db) => {
      await this.repo.lock(db, 'post', e.postId);
      if (!(await this.repo.setLike(db, { postId: e.postId, user: e.user, version: e.version, liked }))) return [];
      return this.refreshLikes(db, e.postId);
    });
  }

  commentCreated(e: CommentCreatedEvent): Promise<void> {
    return this.apply(e.eventId, async (db) => {
      await this.repo.lock(db, 'post', e.postId);
      const c = { commentId: e.commentId, author: e.author, excerpt: e.excerpt };
      if (!(await this.repo.recordComment(db, { ...c, postId: e.postId }))) return [];
      return this.tellComment(db, e.postId, c);
    });
  }

  commentDeleted(e: CommentDeletedEvent): Promise<void> {
    return this.apply(e.eventId, async (db) => {
      await this.repo.lock(db, 'post', e.postId);
      await this.repo.buryComment(db, { commentId: e.commentId, postId: e.postId, author: e.author });
      const post = await this.repo.post(db, e.postId);
      if (!post) return [];
      return removals(await this.repo.deleteUnread(db, post.authorId, `comment:${e.commentId.toLowerCase()}`));
    });
  }

  async list(r: ListNotificationsRequest): Promise<NotificationPage> {
    const before = r.cursor ? decodeSeqCursor(r.cursor) : undefined;
    if (before === null) {
      throw new MeshError(ErrorCodes.invalid, 'The request is not valid.', [
        { field: 'cursor', message: 'cursor is not one this API gave out' },
      ]);
    }
    const [rows, unread] = await Promise.all([
      this.repo.page(r.userId, before, r.limit + 1),
      this.repo.unread(r.userId),
    ]);
    const page = rows.slice(0, r.limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toNotification),
      nextCursor: rows.length > r.limit && last ? encodeSeqCursor(last.seq) : null,
      unread,
    };
  }

  async unreadCount(r: UnreadCountRequest): Promise<UnreadCountReply> {
    return { unread: await this.repo.unread(r.userId) };
  }

  /** Everything up to `upTo` (as listed, newest first: it and all below it) is read; never moves back. */
  async markRead(r: MarkReadRequest): Promise<UnreadCountReply> {
    if (!(await this.repo.markRead(r.userId, r.upTo))) throw new MeshError(ErrorCodes.notFound, 'no such notification');
    return { unread: await this.repo.unread(r.userId) };
  }

  /** The post's like notification made to match its live likes (under the post's lock). */
  private async refreshLikes(db: Queryable, postId: string): Promise<Effect[]> {
    const post = await this.repo.post(db, postId);
    if (!post || post.deleted) return [];
    const key = `like:${postId.toLowerCase()}`;
    // One connection: its queries run one after the other anyway.
    const group = await this.repo.likeGroup(db, postId, post.authorId);
    const existing = await this.repo.find(db, post.authorId, key);
    if (group.count === 0) {
      return existing && !existing.read ? removals(await this.repo.deleteUnread(db, post.authorId, key)) : [];
    }
    // Only a like newer than any it told of moves it up; an unlike just updates who and how many.
    if (existing && Number(existing.lastVersion ?? 0) >= group.maxVersion) {
      await this.repo.updateLikers(db, existing.id, group);
      return [];
    }
    const n = await this.repo.upsert(db, {
      recipientId: post.authorId,
      type: 'like',
      groupKey: key,
      actor: group.actors[0],
      actors: group.actors,
      count: group.count,
      lastVersion: group.maxVersion,
      postId,
      postExcerpt: post.excerpt,
    });
    return [n];
  }

  /** A comment told to the post's author, once the post is known (not if the author wrote it). */
  private async tellComment(db: Queryable, postId: string, c: PendingComment): Promise<NotificationRow[]> {
    const post = await this.repo.post(db, postId);
    if (!post || post.deleted || same(c.author.id, post.authorId)) return [];
    const n = await this.repo.insert(db, {
      recipientId: post.authorId,
      type: 'comment',
      groupKey: `comment:${c.commentId.toLowerCase()}`,
      actor: c.author,
      postId,
      postExcerpt: post.excerpt,
      commentId: c.commentId,
      commentExcerpt: c.excerpt,
    });
    return n ? [n] : [];
  }

  /** One event applied once; what it told, and what it took back, pushed live after the commit. */
  private async apply(eventId: string, body: (db: Queryable) => Promise<Effect[]>): Promise<void> {
    const effects = (await this.repo.handleOnce(eventId, body)) ?? [];
    const removedFor = new Map<string, RemovedNotification[]>();
    for (const e of effects) {
      if ('removed' in e)
        removedFor.set(e.removed.recipientId, [...(removedFor.get(e.removed.recipientId) ?? []), e.removed]);
      else this.live.publish(e.recipientId, toNotification(e));
    }
    // The count after the commit: a client sets its badge to it (a hint, like every push).
    for (const [recipientId, removed] of removedFor) {
      // The removal is committed whatever happens here: a failed count skips the hint, not the event.
      const unread = await this.repo.unread(recipientId).catch(() => null);
      if (unread === null) continue;
      for (const r of removed) this.live.publishRemoved(recipientId, { id: r.id, type: r.type, unread });
    }
  }
}
