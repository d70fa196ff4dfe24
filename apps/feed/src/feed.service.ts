// The rules of feed; no NATS, no SQL. Every handler is idempotent: an event handled twice (a
// redelivery, or a replica killed before its ack) changes nothing the first time did not.
import { Inject, Injectable } from '@nestjs/common';
import { decodeCursor, encodeCursor, type EventOf, type HomeFeedPage, type HomeFeedRequest } from '#contracts';
import { FEED_CONFIG, type FeedSettings } from './feed.settings.js';
import { FeedRepository } from './feed.repository.js';

@Injectable()
export class FeedService {
  /** The last batch of a many-follower fan-out in this replica: the next waits for it (see postCreated). */
  private bulkLane: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly repo: FeedRepository,
    @Inject(FEED_CONFIG) private readonly settings: FeedSettings,
  ) {}

  /**
   * events.posts.created: into its author's feed, every follower's and every mentioned user's
   * (whether they follow the author or not; the author mentioning themselves once), in batches of
   * FEED_FANOUT_BATCH feeds, each its own transaction — an author with many followers does not
   * hold up other authors' posts for the whole fan-out. The batches of such fan-outs (more than
   * one batch) go one at a time per replica, whichever post they belong to: several of them at
   * once would take the database from everyone else's posts (and from the writes of posts,
   * which share it). Answers how many feeds got it.
   */
  async postCreated(e: EventOf<'events.posts.created'>): Promise<number> {
    const post = { postId: e.postId, authorId: e.authorId, createdAt: e.createdAt ?? e.occurredAt };
    const mentioned = (e.mentions ?? []).map((m) => m.id);
    if (!(await this.repo.recordPost(post, mentioned, this.settings.maxItems))) return 0;
    // Read after the post's commit: a follow committed later back-fills it (feed.repository.ts).
    const users = [...new Set([post.authorId, ...(await this.repo.followersOf(post.authorId)), ...mentioned])];
    const { fanoutBatch } = this.settings;
    if (users.length <= fanoutBatch) return this.repo.fanOut(post, users);
    let delivered = 0;
    for (let i = 0; i < users.length; i += fanoutBatch) {
      const batch = this.bulkLane.then(() => this.repo.fanOut(post, users.slice(i, i + fanoutBatch)));
      this.bulkLane = batch.catch(() => undefined);
      delivered += await batch;
    }
    return delivered;
  }

  /** events.posts.deleted: the post leaves every feed. */
  async postDeleted(e: EventOf<'events.posts.deleted'>): Promise<void> {
    await this.repo.removePost(e.postId);
  }

  async followed(e: EventOf<'events.graph.followed'>): Promise<void> {
    const f = { authorId: e.followee.id, followerId: e.follower.id, following: true, version: e.version };
    await this.repo.applyFollow(f);
  }

  async unfollowed(e: EventOf<'events.graph.unfollowed'>): Promise<void> {
    const f = { authorId: e.followee.id, followerId: e.follower.id, following: false, version: e.version };
    await this.repo.applyFollow(f);
  }

  /** A page of the user's home feed; a feed that never was is built from feed's projections first. */
  async home(r: HomeFeedRequest): Promise<HomeFeedPage> {
    const after = r.cursor ? decodeCursor(r.cursor) : undefined;
    const page = () => this.repo.page({ userId: r.userId, after, limit: r.limit + 1 });
    let rows = await page();
    // Only an empty first page can be a feed never built (or lost): a full one costs no check.
    if (!after && rows.length === 0 && (await this.repo.ensureBuilt(r.userId, this.settings.maxItems)))
      rows = await page();
    const items = rows
      .slice(0, r.limit)
      .map(({ postId, createdAt, authorFollowed }) => ({ postId, createdAt, authorFollowed }));
    const last = items[items.length - 1];
    const nextCursor =
      rows.length > r.limit && last ? encodeCursor({ createdAt: last.createdAt, id: last.postId }) : null;
    return { items, nextCursor };
  }
}
