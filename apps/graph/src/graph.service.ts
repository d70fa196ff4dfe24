// The rules of graph; no NATS, no SQL.
import { Injectable } from '@nestjs/common';
import {
  decodeCursor,
  encodeCursor,
  ErrorCodes,
  Events,
  MAX_FOLLOWEE_IDS,
  MeshError,
  Subjects,
  type EdgesReply,
  type EdgesRequest,
  type FolloweeIdsReply,
  type FolloweeIdsRequest,
  type FollowPage,
  type FollowReply,
  type FollowRequest,
  type ListFollowsRequest,
  type RelationshipsReply,
  type RelationshipsRequest,
  type UnfollowRequest,
} from '#contracts';
import { IdempotentWrites } from '#persistence';
import { Outbox } from '#events';
import { GraphRepository } from './graph.repository.js';

@Injectable()
export class GraphService {
  constructor(
    private readonly repo: GraphRepository,
    private readonly idempotency: IdempotentWrites,
    private readonly outbox: Outbox,
  ) {}

  /**
   * Idempotent by nature, and once per idempotency key too. A new follow and its
   * events.graph.followed commit together; a follow that already held publishes nothing.
   */
  follow(r: FollowRequest, key?: string): Promise<FollowReply> {
    if (r.follower.id.toLowerCase() === r.followee.id.toLowerCase()) {
      throw new MeshError(ErrorCodes.invalid, 'The request is not valid.', [
        { field: 'username', message: 'you cannot follow yourself' },
      ]);
    }
    const request = { scope: r.follower.id, key, operation: Subjects.graph.follow, request: r };
    return this.idempotency.run(request, async (tx) => {
      const made = await this.repo.insertIfAbsent(tx, r);
      if (made) {
        const version = await this.repo.stampVersion(tx, made.follower.id, made.followee.id);
        await this.outbox.add(tx, Events.graph.followed, { follower: made.follower, followee: made.followee, version });
      }
      return { following: true };
    });
  }

  /** Idempotent: an unfollow of nobody changes nothing and publishes nothing. */
  unfollow(r: UnfollowRequest, key?: string): Promise<FollowReply> {
    const request = { scope: r.followerId, key, operation: Subjects.graph.unfollow, request: r };
    return this.idempotency.run(request, async (tx) => {
      const gone = await this.repo.delete(tx, r.followerId, r.followee);
      if (gone) {
        const version = await this.repo.nextVersion(tx);
        await this.outbox.add(tx, Events.graph.unfollowed, {
          follower: gone.follower,
          followee: gone.followee,
          version,
        });
      }
      return { following: false };
    });
  }

  followers(r: ListFollowsRequest): Promise<FollowPage> {
    return this.page('followers', r);
  }

  following(r: ListFollowsRequest): Promise<FollowPage> {
    return this.page('following', r);
  }

  async followeeIds(r: FolloweeIdsRequest): Promise<FolloweeIdsReply> {
    return { ids: await this.repo.followeeIds(r.userId, MAX_FOLLOWEE_IDS) };
  }

  /** A page of follows in version order (the feed rebuild reads them all). */
  async edges(r: EdgesRequest): Promise<EdgesReply> {
    const items = await this.repo.edges({
      followerId: r.followerId,
      afterVersion: r.afterVersion ?? 0,
      limit: r.limit,
    });
    return { items, nextAfterVersion: items.length === r.limit ? items[items.length - 1].version : null };
  }

  /** Every asked id is a key of the answer, as the caller spelled it. */
  async relationships(r: RelationshipsRequest): Promise<RelationshipsReply> {
    const rows = await this.repo.relationships(r.userIds, r.viewerId);
    const byId = new Map(rows.map((row) => [row.userId, row]));
    const relationships: RelationshipsReply['relationships'] = {};
    for (const id of r.userIds) {
      const row = byId.get(id.toLowerCase());
      relationships[id] = {
        followerCount: row?.followerCount ?? 0,
        followingCount: row?.followingCount ?? 0,
        followedByMe: r.viewerId ? (row?.followedByViewer ?? false) : null,
        followsMe: r.viewerId ? (row?.followsViewer ?? false) : null,
      };
    }
    return { relationships };
  }

  /** Follow records are small and a page at most 100: it fits max_payload without a byte budget. */
  private async page(side: 'followers' | 'following', r: ListFollowsRequest): Promise<FollowPage> {
    const after = r.cursor ? decodeCursor(r.cursor) : undefined;
    const rows = await this.repo.page(side, { username: r.username, after, limit: r.limit + 1 });
    const page = rows.slice(0, r.limit);
    const last = page[page.length - 1];
    const nextCursor =
      rows.length > r.limit && last
        ? encodeCursor({ createdAt: last.createdAt.toISOString(), id: last.user.id })
        : null;
    return { items: page.map((row) => ({ user: row.user, since: row.createdAt.toISOString() })), nextCursor };
  }
}
