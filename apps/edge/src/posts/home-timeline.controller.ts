// The home timeline: the posts of the people you follow, yours and (later) those that mention
// you, newest first. feed keeps it precomputed from events; while feed is unavailable the page is
// built at read time from graph (whom you follow) and posts (their newest posts, one request),
// on the same cursor, and says so with `degraded: ["feed"]`. With graph unavailable too: 503
// naming feed.
import { Controller, Get, Inject, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { encodeCursor, PageQuery, MeshError, Subjects, type HomeFeedPage, type PostRecord } from '#contracts';
import { AuthGuard, CurrentUser } from '../auth/auth.guard.js';
import type { AuthUser } from '../auth/token-verifier.js';
import { ZodPipe } from '../http/zod.pipe.js';
import { EdgeMesh } from '../mesh/edge-mesh.js';
import { Problems, ref } from '../openapi/openapi-refs.js';
import { PostStitcher } from './post-stitcher.js';
import type { PostPageView } from './post-view.js';

@ApiTags('timeline')
@Controller('timeline')
export class HomeTimelineController {
  constructor(
    @Inject(EdgeMesh) private readonly mesh: EdgeMesh,
    @Inject(PostStitcher) private readonly stitcher: PostStitcher,
  ) {}

  @Get('home')
  @UseGuards(AuthGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Your home feed: your posts and those of everyone you follow, newest first' })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: '1-100, default 20' })
  @ApiQuery({ name: 'cursor', required: false, type: String, description: "the previous page's nextCursor" })
  @ApiResponse({ status: 200, schema: ref('PostPage') })
  @Problems(400, 401, 503)
  async home(@CurrentUser() user: AuthUser, @Query(new ZodPipe(PageQuery)) q: PageQuery): Promise<PostPageView> {
    const request = { userId: user.id, limit: q.limit, cursor: q.cursor };
    let feed: HomeFeedPage;
    try {
      feed = await this.mesh.read(Subjects.feed.home, request);
    } catch (err) {
      if (!(err instanceof MeshError && err.isUnavailability)) throw err;
      return this.builtAtReadTime(user, q, err);
    }
    const { posts, nextCursor } = await this.postsOf(feed);
    return this.stitcher.page(posts, nextCursor, user.id, [], this.followedPerFeed(feed, posts));
  }

  /**
   * Whether the user follows each post's author, as feed said with the page (its own projection
   * of graph's follows): graph need not be asked. Posts a feed replica said nothing of are left
   * to graph.
   */
  private followedPerFeed(feed: HomeFeedPage, posts: PostRecord[]): Map<string, boolean> {
    const byPost = new Map(feed.items.map((i) => [i.postId.toLowerCase(), i.authorFollowed]));
    const known = new Map<string, boolean>();
    for (const p of posts) {
      const followed = byPost.get(p.id.toLowerCase());
      if (followed !== undefined) known.set(p.author.id.toLowerCase(), followed);
    }
    return known;
  }

  /**
   * The feed's posts, in its order. A post deleted a moment ago (feed not told yet) is left out.
   * When the posts would not fit one reply, posts answers a prefix: the page ends at its last
   * post, and the cursor points there.
   */
  private async postsOf(feed: HomeFeedPage): Promise<{ posts: PostRecord[]; nextCursor: string | null }> {
    if (feed.items.length === 0) return { posts: [], nextCursor: feed.nextCursor };
    const ids = feed.items.map((i) => i.postId);
    const { items, complete } = await this.mesh.read(Subjects.posts.getMany, { ids });
    if (complete || items.length === 0) return { posts: items, nextCursor: feed.nextCursor };
    const last = feed.items.find((i) => i.postId === items[items.length - 1].id)!;
    return { posts: items, nextCursor: encodeCursor({ createdAt: last.createdAt, id: last.postId }) };
  }

  /** feed unavailable: whom the user follows (graph), then their newest posts (posts). */
  private async builtAtReadTime(user: AuthUser, q: PageQuery, feedDown: MeshError): Promise<PostPageView> {
    const followees = await this.mesh.readOptional(Subjects.graph.followeeIds, { userId: user.id });
    if (!followees) throw feedDown;
    const page = await this.mesh.read(Subjects.posts.list, {
      authorIds: [user.id, ...followees.ids],
      limit: q.limit,
      cursor: q.cursor,
    });
    // Every author here is the user or a followee graph just named: no second question to graph.
    const known = new Map(followees.ids.map((id) => [id.toLowerCase(), true]));
    return this.stitcher.page(page.items, page.nextCursor, user.id, ['feed'], known);
  }
}
