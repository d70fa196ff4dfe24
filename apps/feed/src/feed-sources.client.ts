// What a rebuild asks the sources of truth: graph's follows and posts' posts, page by page. Kept
// out of the service so the rules stay free of NATS. Every page has its own deadline
// (FEED_SOURCE_TIMEOUT_MS) and is asked again of a live replica when one does not answer.
import {
  MAX_EDGES_PAGE,
  MAX_LIST_AUTHORS,
  MAX_SCAN_POSTS,
  Subjects,
  type EdgesReply,
  type PostRecord,
  type PostRef,
  type ScanPostsReply,
} from '#contracts';
import { asDependencyFailure, type MeshClient } from '#mesh';

/** Users per graph.relationships and posts per posts.get-many (their contracts' maximum). */
const CHECK_BATCH = 100;
/** Posts per page of posts.list (its contract's maximum). */
const LIST_PAGE = 100;

/** What a rebuild keeps of a post. */
const refOf = (p: PostRecord): PostRef => ({
  id: p.id,
  authorId: p.author.id,
  createdAt: p.createdAt,
  mentionIds: (p.mentions ?? []).map((m) => m.id),
});

/** Built in feed.app.ts on the service's own client connection, and provided as a value. */
export class FeedSourcesClient {
  constructor(
    private readonly mesh: MeshClient,
    private readonly timeoutMs: number,
  ) {}

  private ask = async <T>(service: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (err) {
      throw asDependencyFailure(err, `${service} is unavailable, so feeds cannot be rebuilt from it`);
    }
  };

  private get opts() {
    return { timeoutMs: this.timeoutMs, retryOnTimeout: true };
  }

  /** Every follow graph holds (of `followerId`, or anyone's), a page at a time, in version order. */
  async *edges(followerId?: string): AsyncGenerator<EdgesReply['items']> {
    let afterVersion: number | undefined;
    do {
      const page = await this.ask('graph', () =>
        this.mesh.request(Subjects.graph.edges, { followerId, afterVersion, limit: MAX_EDGES_PAGE }, this.opts),
      );
      if (page.items.length > 0) yield page.items;
      afterVersion = page.nextAfterVersion ?? undefined;
    } while (afterVersion !== undefined);
  }

  /** Which of `authorIds` the follower follows now, asked of graph. */
  async followed(followerId: string, authorIds: string[]): Promise<Set<string>> {
    const followed = new Set<string>();
    for (let i = 0; i < authorIds.length; i += CHECK_BATCH) {
      const userIds = authorIds.slice(i, i + CHECK_BATCH);
      const r = await this.ask('graph', () =>
        this.mesh.request(Subjects.graph.relationships, { userIds, viewerId: followerId }, this.opts),
      );
      for (const id of userIds) if (r.relationships[id]?.followedByMe) followed.add(id);
    }
    return followed;
  }

  /** Every post, a page at a time, oldest first. */
  async *allPosts(): AsyncGenerator<PostRef[]> {
    let cursor: string | undefined;
    do {
      const page: ScanPostsReply = await this.ask('posts', () =>
        this.mesh.request(Subjects.posts.scan, { cursor, limit: MAX_SCAN_POSTS }, this.opts),
      );
      if (page.items.length > 0) yield page.items;
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
  }

  /** The newest `max` posts of these authors (at most MAX_LIST_AUTHORS), a page at a time. */
  newestPosts(authorIds: string[], max: number): AsyncGenerator<PostRef[]> {
    if (authorIds.length > MAX_LIST_AUTHORS) throw new Error(`at most ${MAX_LIST_AUTHORS} authors per list`);
    return this.listed({ authorIds }, max);
  }

  /** The newest `max` posts that mention `userId`, a page at a time. */
  mentioning(userId: string, max: number): AsyncGenerator<PostRef[]> {
    return this.listed({ mentioning: userId }, max);
  }

  /** The newest `max` posts `posts.list` answers for `filter`, a page at a time. */
  private async *listed(
    filter: { authorIds: string[] } | { mentioning: string },
    max: number,
  ): AsyncGenerator<PostRef[]> {
    let cursor: string | undefined;
    let read = 0;
    do {
      const limit = Math.min(LIST_PAGE, max - read);
      const page = await this.ask('posts', () =>
        this.mesh.request(Subjects.posts.list, { ...filter, cursor, limit }, this.opts),
      );
      read += page.items.length;
      if (page.items.length > 0) yield page.items.map(refOf);
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined && read < max);
  }

  /** Which of these post ids posts still has. */
  async existing(ids: string[]): Promise<Set<string>> {
    const found = new Set<string>();
    let rest = ids;
    while (rest.length > 0) {
      const asked = rest.slice(0, CHECK_BATCH);
      const r = await this.ask('posts', () => this.mesh.request(Subjects.posts.getMany, { ids: asked }, this.opts));
      for (const p of r.items) found.add(p.id.toLowerCase());
      // A reply cut short by its byte budget left the rest out, not found missing: ask them again.
      const answered = r.complete ? asked.length : asked.findIndex((id) => id.toLowerCase() === r.items.at(-1)?.id) + 1;
      rest = rest.slice(Math.max(1, answered));
    }
    return found;
  }
}
