// Feeds rebuilt from the sources of truth (feed.rebuild): graph's follows and posts' posts, not
// feed's own projections, which a lost event, a restored backup or a truncated table left wrong.
// One user's feed, or every feed; safe while events keep flowing (feed-rebuild.repository.ts says
// how each racing event is handled). Memory stays bounded: pages are streamed into the staging
// tables, feeds rewritten FEED_REBUILD_BATCH at a time. No NATS, no SQL here.
import { Inject, Injectable } from '@nestjs/common';
import { ErrorCodes, MAX_LIST_AUTHORS, MeshError, type RebuildFeedsReply, type RebuildFeedsRequest } from '#contracts';
import { FEED_CONFIG, type FeedSettings } from './feed.settings.js';
import { FeedRepository } from './feed.repository.js';
import { FeedRebuildRepository, type HeldEdge } from './feed-rebuild.repository.js';
import { FeedSourcesClient } from './feed-sources.client.js';

/** Rows of feed's projections compared with the sources per step. */
const CHECK_PAGE = 1000;

type Counts = Omit<RebuildFeedsReply, 'ms'>;

@Injectable()
export class FeedRebuildService {
  constructor(
    private readonly repo: FeedRebuildRepository,
    private readonly feeds: FeedRepository,
    private readonly sources: FeedSourcesClient,
    @Inject(FEED_CONFIG) private readonly settings: FeedSettings,
  ) {}

  /** One rebuild at a time in the whole mesh: a second one meanwhile is a conflict, not a wait. */
  async rebuild(r: RebuildFeedsRequest): Promise<RebuildFeedsReply> {
    const started = Date.now();
    const counts = await this.repo.exclusively(() => (r.userId ? this.one(r.userId) : this.all()));
    if (!counts) throw new MeshError(ErrorCodes.conflict, 'a feed rebuild is already running; try again when it ends');
    return { ...counts, ms: Date.now() - started };
  }

  private async all(): Promise<Counts> {
    const followEdges = await this.follows();
    let posts = 0;
    for await (const page of this.sources.allPosts()) {
      await this.repo.stagePosts(page);
      posts += page.length;
    }
    await this.removeUnlistedPosts();
    await this.repo.stageAllUsers();
    let users = 0;
    let items = 0;
    let after: string | undefined;
    for (;;) {
      const batch = await this.repo.stagedUsers(after, this.settings.rebuildBatch);
      if (batch.length === 0) break;
      // Each user as an author too: its newest posts back into author_post (the back-fill source).
      items += await this.repo.rewrite({ authors: batch, users: batch, maxItems: this.settings.maxItems });
      users += batch.length;
      after = batch[batch.length - 1];
    }
    return { users, followEdges, posts, items };
  }

  private async one(userId: string): Promise<Counts> {
    const followEdges = await this.follows(userId);
    // Whom the user follows as feed now holds it: graph's list, with events handled meanwhile.
    const authors = [userId, ...(await this.repo.followees(userId)).filter((id) => id !== userId)];
    let posts = 0;
    // The newest FEED_MAX_ITEMS of each group of authors: the feed's newest are among them.
    for (let i = 0; i < authors.length; i += MAX_LIST_AUTHORS) {
      for await (const page of this.sources.newestPosts(
        authors.slice(i, i + MAX_LIST_AUTHORS),
        this.settings.maxItems,
      )) {
        await this.repo.stagePosts(page);
        posts += page.length;
      }
    }
    // The posts that mention the user, by anyone (the mention projection is rebuilt from them).
    for await (const page of this.sources.mentioning(userId, this.settings.maxItems)) {
      await this.repo.stagePosts(page);
    }
    // A followee's post that mentions the user was read twice: count each post once.
    posts = await this.repo.stagedPostCount();
    await this.removeUnlistedPosts(userId);
    const items = await this.repo.rewrite({
      authors: await this.repo.stagedAuthors(),
      users: [userId],
      maxItems: this.settings.maxItems,
    });
    return { users: 1, followEdges, posts, items };
  }

  /**
   * graph's follows (all, or the user's) merged into follow_edge; then each follow feed holds
   * that graph did not list is asked of graph again, and set to not following if it is gone. A
   * follow graph made after its page passed is found following and left alone.
   */
  private async follows(followerId?: string): Promise<number> {
    let read = 0;
    for await (const page of this.sources.edges(followerId)) {
      await this.repo.stageEdges(page);
      read += page.length;
    }
    let after: HeldEdge | undefined;
    for (;;) {
      const unlisted = await this.repo.unlistedEdges({ followerId, after, limit: CHECK_PAGE });
      if (unlisted.length === 0) break;
      const byFollower = new Map<string, HeldEdge[]>();
      for (const e of unlisted) byFollower.set(e.followerId, [...(byFollower.get(e.followerId) ?? []), e]);
      for (const [follower, edges] of byFollower) {
        const still = await this.sources.followed(
          follower,
          edges.map((e) => e.authorId),
        );
        await this.repo.unfollowGone(edges.filter((e) => !still.has(e.authorId)));
      }
      after = unlisted[unlisted.length - 1];
    }
    return read;
  }

  /**
   * Each post feed holds that posts did not list is asked of posts again; one posts no longer has
   * is removed as its delete event would remove it (a tombstone, so a late created event cannot
   * bring it back). A post made after posts' page passed is found and kept.
   */
  private async removeUnlistedPosts(userId?: string): Promise<void> {
    let after: string | undefined;
    for (;;) {
      const unlisted = await this.repo.unlistedPosts({ userId, after, limit: CHECK_PAGE });
      if (unlisted.length === 0) break;
      const existing = await this.sources.existing(unlisted);
      for (const id of unlisted) if (!existing.has(id)) await this.feeds.removePost(id);
      after = unlisted[unlisted.length - 1];
    }
  }
}
