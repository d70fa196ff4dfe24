import { Controller, Delete, Get, HttpCode, Inject, Param, Put, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ListLikesQuery, Subjects, type LikePage } from '#contracts';
import { AuthGuard, CurrentUser } from '../auth/auth.guard.js';
import type { AuthUser } from '../auth/token-verifier.js';
import { ZodPipe } from '../http/zod.pipe.js';
import { EdgeMesh } from '../mesh/edge-mesh.js';
import { Problems, ref } from '../openapi/openapi-refs.js';
import { ApiIdempotencyKey, ClientIdempotencyKey } from '../http/idempotency-key.js';
import { IdParam } from '../http/params.js';
import { RateLimit } from '../limits/rate-limit.decorator.js';

@ApiTags('likes')
@Controller('posts/:id')
export class LikesController {
  constructor(@Inject(EdgeMesh) private readonly mesh: EdgeMesh) {}

  @Put('like')
  @HttpCode(204)
  @UseGuards(AuthGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Like a post; idempotent (twice is one like); 404 if no such post' })
  @ApiIdempotencyKey()
  @ApiResponse({ status: 204 })
  @Problems(400, 401, 404, 429, 503)
  @RateLimit('likes.write')
  async like(
    @CurrentUser() user: AuthUser,
    @Param(new ZodPipe(IdParam)) p: IdParam,
    @ClientIdempotencyKey() idempotencyKey: string | undefined,
  ): Promise<void> {
    const me = { id: user.id, username: user.username, displayName: user.displayName };
    await this.mesh.write(Subjects.likes.like, { postId: p.id, user: me }, { idempotencyKey, idempotent: true });
  }

  @Delete('like')
  @HttpCode(204)
  @UseGuards(AuthGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Unlike a post; idempotent' })
  @ApiIdempotencyKey()
  @ApiResponse({ status: 204 })
  @Problems(400, 401, 429, 503)
  @RateLimit('likes.write')
  async unlike(
    @CurrentUser() user: AuthUser,
    @Param(new ZodPipe(IdParam)) p: IdParam,
    @ClientIdempotencyKey() idempotencyKey: string | undefined,
  ): Promise<void> {
    const data = { postId: p.id, userId: user.id };
    await this.mesh.write(Subjects.likes.unlike, data, { idempotencyKey, idempotent: true });
  }

  @Get('likes')
  @ApiOperation({ summary: 'Who liked a post, newest first, with the total count' })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: '1-100, default 20' })
  @ApiQuery({ name: 'cursor', required: false, type: String })
  @ApiResponse({ status: 200, schema: ref('LikePage') })
  @Problems(400, 503)
  list(
    @Param(new ZodPipe(IdParam)) p: IdParam,
    @Query(new ZodPipe(ListLikesQuery)) q: ListLikesQuery,
  ): Promise<LikePage> {
    return this.mesh.read(Subjects.likes.list, { postId: p.id, limit: q.limit, cursor: q.cursor });
  }
}
