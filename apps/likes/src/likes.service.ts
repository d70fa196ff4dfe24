// The rules of likes; no NATS, no SQL.
import { Injectable } from '@nestjs/common';
import {
  decodeCursor,
  encodeCursor,
  type LikePage,
  type LikeReply,
  type LikeRequest,
  type LikeSummaryReply,
  type LikeSummaryRequest,
  type ListLikesRequest,
  type UnlikeRequest,
} from '#contracts';
import { LikesRepository } from './likes.repository.js';
import { toLikeRecord } from './like.mapper.js';
import { PostsClient } from './posts.client.js';

@Injectable()
export class LikesService {
  constructor(
    private readonly repo: LikesRepository,
    private readonly posts: PostsClient,
  ) {}

  /**
   * Idempotent. A like already there answers at once: a retried like costs no call to posts,
   * and keeps working while posts is down. A new one needs the post to exist.
   */
  async like(r: LikeRequest): Promise<LikeReply> {
    if (await this.repo.exists(r.postId, r.user.id)) return { liked: true };
    await this.posts.assertPostExists(r.postId);
    await this.repo.insertIfAbsent({
      postId: r.postId,
      userId: r.user.id,
      username: r.user.username,
      displayName: r.user.displayName,
    });
    return { liked: true };
  }

  /** Idempotent, and no post check: removing a like that is not there changes nothing. */
  async unlike(r: UnlikeRequest): Promise<LikeReply> {
    await this.repo.delete(r.postId, r.userId);
    return { liked: false };
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
