import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CreatePostBody, ErrorCodes, ListPostsQuery, MeshError, Subjects, type Media } from '#contracts';
import { AuthGuard, CurrentUser, OptionalAuthGuard, Viewer } from '../auth/auth.guard.js';
import type { AuthUser } from '../auth/token-verifier.js';
import { ApiIdempotencyKey, IdempotencyKey } from '../http/idempotency-key.js';
import { IdParam } from '../http/params.js';
import { ZodPipe } from '../http/zod.pipe.js';
import { EdgeMesh } from '../mesh/edge-mesh.js';
import { ApiOptionalAuth, Problems, ref } from '../openapi/openapi-refs.js';
import { PostStitcher } from './post-stitcher.js';
import type { PostPageView, PostView } from './post-view.js';
import { RateLimit } from '../limits/rate-limit.decorator.js';

@ApiTags('posts')
@Controller('posts')
export class PostsController {
  constructor(
    @Inject(EdgeMesh) private readonly mesh: EdgeMesh,
    @Inject(PostStitcher) private readonly stitcher: PostStitcher,
  ) {}

  @Post()
  @HttpCode(201)
  @UseGuards(AuthGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Write a post' })
  @ApiIdempotencyKey()
  @ApiBody({ schema: ref('CreatePostBody') })
  @ApiResponse({ status: 201, schema: ref('Post') })
  @Problems(400, 401, 429, 503)
  @RateLimit('posts.create')
  async create(
    @CurrentUser() user: AuthUser,
    @Body(new ZodPipe(CreatePostBody)) body: CreatePostBody,
    @IdempotencyKey() idempotencyKey: string,
  ): Promise<PostView> {
    const mediaIds = body.mediaIds ?? [];
    const media = await this.ownUploads(user, mediaIds);
    const author = { id: user.id, username: user.username, displayName: user.displayName };
    const post = await this.mesh.write(
      Subjects.posts.create,
      { author, text: body.text, mediaIds },
      { idempotencyKey },
    );
    // A post written a moment ago has no likes or comments: nothing to ask. (A replay answers the
    // same: the first answer, as the first request got it.)
    return this.stitcher.view(post, {
      likes: { [post.id]: { count: 0, likedByMe: false } },
      comments: { [post.id]: 0 },
      media: new Map(media.map((m) => [m.id, m])),
      // Your own post: whether you follow its author is not a question (graph is not asked).
      followed: new Map(),
    });
  }

  @Get(':id')
  @UseGuards(OptionalAuthGuard)
  @ApiOptionalAuth()
  @ApiOperation({ summary: 'One post, with its like and comment counts' })
  @ApiResponse({ status: 200, schema: ref('Post') })
  @Problems(400, 401, 404, 503)
  async get(@Param(new ZodPipe(IdParam)) p: IdParam, @Viewer() viewer?: AuthUser): Promise<PostView> {
    // Likes and comments are asked in parallel with the post itself: one round trip of latency;
    // media and (signed in) graph, side by side, once the post says what is attached and by whom.
    const [post, counts] = await Promise.all([
      this.mesh.read(Subjects.posts.get, { id: p.id }),
      this.stitcher.counts([p.id], viewer?.id),
    ]);
    const [media, followed] = await Promise.all([
      this.stitcher.media([post]),
      this.stitcher.followed([post], viewer?.id),
    ]);
    const view = this.stitcher.view(post, { ...counts, media, followed });
    this.stitcher.count(view.degraded);
    return view;
  }

  @Get()
  @UseGuards(OptionalAuthGuard)
  @ApiOptionalAuth()
  @ApiOperation({ summary: 'A page of posts, newest first: one author or the global timeline' })
  @ApiQuery({ name: 'author', required: false, type: String })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: '1-100, default 20' })
  @ApiQuery({ name: 'cursor', required: false, type: String, description: "the previous page's nextCursor" })
  @ApiResponse({ status: 200, schema: ref('PostPage') })
  @Problems(400, 401, 503)
  async list(
    @Query(new ZodPipe(ListPostsQuery)) q: ListPostsQuery,
    @Viewer() viewer?: AuthUser,
  ): Promise<PostPageView> {
    const page = await this.mesh.read(Subjects.posts.list, q);
    return this.stitcher.page(page.items, page.nextCursor, viewer?.id);
  }

  @Delete(':id')
  @HttpCode(204)
  @UseGuards(AuthGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Delete a post (its author only); a replay with the same key is 204 again' })
  @ApiIdempotencyKey()
  @ApiResponse({ status: 204 })
  @Problems(400, 401, 403, 404, 503)
  async remove(
    @CurrentUser() user: AuthUser,
    @Param(new ZodPipe(IdParam)) p: IdParam,
    @IdempotencyKey() idempotencyKey: string,
  ): Promise<void> {
    await this.mesh.write(Subjects.posts.delete, { id: p.id, requesterId: user.id }, { idempotencyKey });
  }

  /** Attached media must be the caller's own uploads: media vouches for them (503 if it cannot). */
  private async ownUploads(user: AuthUser, ids: string[]): Promise<Media[]> {
    if (ids.length === 0) return [];
    const { items, notOwned } = await this.mesh.read(Subjects.media.resolve, { ids, ownerId: user.id });
    if (notOwned.length > 0) {
      throw new MeshError(ErrorCodes.invalid, 'The request is not valid.', [
        { field: 'mediaIds', message: `not uploads of yours: ${notOwned.join(', ')}` },
      ]);
    }
    return items;
  }
}
