// The rules of likes; no NATS, no SQL.
import { Injectable } from '@nestjs/common';
import {
  decodeCursor,
  encodeCursor,
  ErrorCodes,
  Events,
  MeshError,
  Subjects,
  type LikePage,
  type LikeReply,
  type LikeRequest,
  type LikeSummaryReply,
  type LikeSummaryRequest,
  type ListLikesRequest,
  type UnlikeRequest,
} from '#contracts';
import { IdempotentWrites } from '#persistence';
import { Outbox } from '#events';
import { LikesRepository } from './likes.repository.js';
import { toLikeRecord } from './like.mapper.js';
import { PostsClient } from './posts.client.js';

@Injectable()
export class LikesService {
  constructor(
    private readonly repo: LikesRepository,
    private readonly posts: PostsClient,
    private readonly idempotency: IdempotentWrites,
    private readonly outbox: Outbox,
  ) {}

  /**
   * Idempotent by nature, and once per idempotency key too (a replay answers from the key). A
   * like already there answers at once: a retried like costs no call to posts, and keeps working
   * while posts is down. A new one needs the post to exist.
   */
  like(r: LikeRequest, key?: string): Promise<LikeReply> {
    const request = { scope: r.user.id, key, operation: Subjects.likes.like, request: r };
    return this.idempotency.run(request, async (tx) => {
      if (await this.repo.exists(tx, r.postId, r.user.id)) return { liked: true };
      await this.posts.assertPostExists(r.postId);
      // posts may have deleted it since answering: its tombstone says so.
      if (!(await this.repo.lockLivePost(tx, r.postId))) throw new MeshError(ErrorCodes.notFound, 'no such post');
      const made = await this.repo.insertIfAbsent(tx, {
        postId: r.postId,
        userId: r.user.id,
        username: r.user.username,
        displayName: r.user.displayName,
      });
      // The like and its event commit together; a like that raced in first published its own.
      if (made) {
        const version = await this.repo.nextVersion(tx);
        await this.outbox.add(tx, Events.likes.liked, { postId: r.postId, user: r.user, version });
      }
      return { liked: true };
    });
  }

  /** Idempotent, and no post check: removing a like that is not there changes nothing (and publishes nothing). */
  unlike(r: UnlikeRequest, key?: string): Promise<LikeReply> {
    const request = { scope: r.userId, key, operation: Subjects.likes.unlike, request: r };
    return this.idempotency.run(request, async (tx) => {
      const gone = await this.repo.delete(tx, r.postId, r.userId);
      if (gone) {
        const version = await this.repo.nextVersion(tx);
        await this.outbox.add(tx, Events.likes.unliked, { postId: r.postId, user: gone, version });
      }
      return { liked: false };
    });
  }

  /** events.posts.deleted: the post's likes go with it (idempotent: see the repository). */
  async removePostLikes(postId: string): Promise<void> {
    await this.repo.removePost(postId);
  }

  async list(r: ListLikesRequest): Promise<LikePage> {
    const after = r.cursor ? decodeCursor(r.cursor) : undefined;
    const [count, rows] = await Promise.all([
      this.repo.count(r.postId),
      this.repo.page({ postId: r.postId, after, limit: r.limit + 1 }),
    ]);
    const page = rows.slice(0, r.limit);
    const last = page[page.length - 1];
    const nextCursor =
      rows.length > r.limit && last ? encodeCursor({ createdAt: last.createdAt.toISOString(), id: last.userId }) : null;
    return { count, items: page.map(toLikeRecord), nextCursor };
  }

  /** Every asked id is a key of the answer, whether or not anyone liked it. */
  async summary(r: LikeSummaryRequest): Promise<LikeSummaryReply> {
    const tallies = r.postIds.length > 0 ? await this.repo.tally(r.postIds, r.viewerId) : [];
    const byId = new Map(tallies.map((t) => [t.postId, t]));
    const summaries: LikeSummaryReply['summaries'] = {};
    for (const id of r.postIds) {
      // PostgreSQL answers uuids in lower case; the caller gets its ids back as it sent them.
      const t = byId.get(id.toLowerCase());
      summaries[id] = { count: t?.count ?? 0, likedByMe: r.viewerId ? (t?.likedByViewer ?? false) : null };
    }
    return { summaries };
  }
}
