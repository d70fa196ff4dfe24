import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { CreatePostBody, ErrorCodes, ListPostsQuery, MeshError, Subjects, Uuid } from '#contracts';
import { AuthGuard, CurrentUser } from '../auth/auth.guard.js';
import type { AuthUser } from '../auth/token-verifier.js';
import { ZodPipe } from '../http/zod.pipe.js';
import { EdgeMesh } from '../mesh/edge-mesh.js';
import { Problems, ref } from '../openapi/openapi-refs.js';
import { EdgeMetrics } from '../metrics/edge-metrics.js';
import { toPostPageView, toPostView, type PostPageView, type PostView } from './post-view.js';

const IdParam = z.strictObject({ id: Uuid });

@ApiTags('posts')
@Controller('posts')
export class PostsController {
  constructor(
    @Inject(EdgeMesh) private readonly mesh: EdgeMesh,
    @Inject(EdgeMetrics) private readonly metrics: EdgeMetrics,
  ) {}

  @Post()
  @HttpCode(201)
  @UseGuards(AuthGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Write a post' })
  @ApiBody({ schema: ref('CreatePostBody') })
  @ApiResponse({ status: 201, schema: ref('Post') })
  @Problems(400, 401, 503)
  async create(@CurrentUser() user: AuthUser, @Body(new ZodPipe(CreatePostBody)) body: CreatePostBody): Promise<PostView> {
    if (body.mediaIds && body.mediaIds.length > 0) {
      // Attaching media needs the media service to vouch for the uploads; it is not in the mesh yet.
      throw new MeshError(ErrorCodes.noResponders, 'media is not available, so media cannot be attached', undefined, 'media');
    }
    const author = { id: user.id, username: user.username, displayName: user.displayName };
    return this.view(await this.mesh.write(Subjects.posts.create, { author, text: body.text, mediaIds: [] }));
  }

  @Get(':id')
  @ApiOperation({ summary: 'One post' })
  @ApiResponse({ status: 200, schema: ref('Post') })
  @Problems(400, 404, 503)
  async get(@Param(new ZodPipe(IdParam)) p: z.infer<typeof IdParam>): Promise<PostView> {
    return this.view(await this.mesh.read(Subjects.posts.get, { id: p.id }));
  }

  @Get()
  @ApiOperation({ summary: 'A page of posts, newest first: one author or the global timeline' })
  @ApiQuery({ name: 'author', required: false, type: String })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: '1-100, default 20' })
  @ApiQuery({ name: 'cursor', required: false, type: String, description: "the previous page's nextCursor" })
  @ApiResponse({ status: 200, schema: ref('PostPage') })
  @Problems(400, 503)
  async list(@Query(new ZodPipe(ListPostsQuery)) q: ListPostsQuery): Promise<PostPageView> {
    const page = toPostPageView(await this.mesh.read(Subjects.posts.list, q));
    for (const s of page.degraded) this.metrics.degraded(s);
    return page;
  }

  @Delete(':id')
  @HttpCode(204)
  @UseGuards(AuthGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Delete a post (its author only)' })
  @ApiResponse({ status: 204 })
  @Problems(400, 401, 403, 404, 503)
  async remove(@CurrentUser() user: AuthUser, @Param(new ZodPipe(IdParam)) p: z.infer<typeof IdParam>): Promise<void> {
    await this.mesh.write(Subjects.posts.delete, { id: p.id, requesterId: user.id });
  }

  private view(record: Parameters<typeof toPostView>[0]): PostView {
    const view = toPostView(record);
    for (const s of view.degraded) this.metrics.degraded(s);
    return view;
  }
}
