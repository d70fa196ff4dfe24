import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CreatePostBody, ErrorCodes, ListPostsQuery, MeshError, Subjects } from '#contracts';
import { AuthGuard, CurrentUser, OptionalAuthGuard, Viewer } from '../auth/auth.guard.js';
import type { AuthUser } from '../auth/token-verifier.js';
import { IdParam } from '../http/params.js';
import { ZodPipe } from '../http/zod.pipe.js';
import { EdgeMesh } from '../mesh/edge-mesh.js';
import { Problems, ref } from '../openapi/openapi-refs.js';
import { PostStitcher } from './post-stitcher.js';
import type { PostPageView, PostView } from './post-view.js';

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
  @ApiBody({ schema: ref('CreatePostBody') })
  @ApiResponse({ status: 201, schema: ref('Post') })
  @Problems(400, 401, 503)
  async create(
    @CurrentUser() user: AuthUser,
    @Body(new ZodPipe(CreatePostBody)) body: CreatePostBody,
  ): Promise<PostView> {
    if (body.mediaIds && body.mediaIds.length > 0) {
      // Attaching media needs the media service to vouch for the uploads; it is not in the mesh yet.
      throw new MeshError(
        ErrorCodes.noResponders,
        'media is not available, so media cannot be attached',
        undefined,
        'media',
      );
    }
    const author = { id: user.id, username: user.username, displayName: user.displayName };
    const post = await this.mesh.write(Subjects.posts.create, { author, text: body.text, mediaIds: [] });
    // A post written a moment ago has no likes or comments: nothing to ask.
    return this.stitcher.view(post, [{ [post.id]: { count: 0, likedByMe: false } }, { [post.id]: 0 }]);
  }

  @Get(':id')
  @UseGuards(OptionalAuthGuard)
  @ApiOperation({ summary: 'One post, with its like and comment counts' })
  @ApiResponse({ status: 200, schema: ref('Post') })
  @Problems(400, 401, 404, 503)
  async get(@Param(new ZodPipe(IdParam)) p: IdParam, @Viewer() viewer?: AuthUser): Promise<PostView> {
    // The optional parts are asked in parallel with the post itself: one round trip of latency.
    const [post, parts] = await Promise.all([
      this.mesh.read(Subjects.posts.get, { id: p.id }),
      this.stitcher.parts([p.id], viewer?.id),
    ]);
    const view = this.stitcher.view(post, parts);
    this.stitcher.count(view.degraded);
    return view;
  }

  @Get()
  @UseGuards(OptionalAuthGuard)
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
    const parts = await this.stitcher.parts(
      page.items.map((post) => post.id),
      viewer?.id,
    );
    const items = page.items.map((post) => this.stitcher.view(post, parts));
    const degraded = [...new Set(items.flatMap((post) => post.degraded))].sort();
    this.stitcher.count(degraded);
    return { items, nextCursor: page.nextCursor, degraded };
  }

  @Delete(':id')
  @HttpCode(204)
  @UseGuards(AuthGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Delete a post (its author only)' })
  @ApiResponse({ status: 204 })
  @Problems(400, 401, 403, 404, 503)
  async remove(@CurrentUser() user: AuthUser, @Param(new ZodPipe(IdParam)) p: IdParam): Promise<void> {
    await this.mesh.write(Subjects.posts.delete, { id: p.id, requesterId: user.id });
  }
}
