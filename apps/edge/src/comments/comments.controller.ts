import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CreateCommentBody, ListCommentsQuery, Subjects, type CommentPage, type CommentRecord } from '#contracts';
import { AuthGuard, CurrentUser } from '../auth/auth.guard.js';
import type { AuthUser } from '../auth/token-verifier.js';
import { ZodPipe } from '../http/zod.pipe.js';
import { EdgeMesh } from '../mesh/edge-mesh.js';
import { Problems, ref } from '../openapi/openapi-refs.js';
import { ApiIdempotencyKey, IdempotencyKey } from '../http/idempotency-key.js';
import { IdParam } from '../http/params.js';
import { RateLimit } from '../limits/rate-limit.decorator.js';

@ApiTags('comments')
@Controller()
export class CommentsController {
  constructor(@Inject(EdgeMesh) private readonly mesh: EdgeMesh) {}

  @Post('posts/:id/comments')
  @HttpCode(201)
  @UseGuards(AuthGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Comment on a post (404 if the post does not exist)' })
  @ApiIdempotencyKey()
  @ApiBody({ schema: ref('CreateCommentBody') })
  @ApiResponse({ status: 201, schema: ref('Comment') })
  @Problems(400, 401, 404, 429, 503)
  @RateLimit('comments.create')
  create(
    @CurrentUser() user: AuthUser,
    @Param(new ZodPipe(IdParam)) p: IdParam,
    @Body(new ZodPipe(CreateCommentBody)) body: CreateCommentBody,
    @IdempotencyKey() idempotencyKey: string,
  ): Promise<CommentRecord> {
    const author = { id: user.id, username: user.username, displayName: user.displayName };
    return this.mesh.write(Subjects.comments.create, { postId: p.id, author, text: body.text }, { idempotencyKey });
  }

  @Get('posts/:id/comments')
  @ApiOperation({ summary: "A post's comments, oldest first" })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: '1-100, default 20' })
  @ApiQuery({ name: 'cursor', required: false, type: String })
  @ApiResponse({ status: 200, schema: ref('CommentPage') })
  @Problems(400, 503)
  list(
    @Param(new ZodPipe(IdParam)) p: IdParam,
    @Query(new ZodPipe(ListCommentsQuery)) q: ListCommentsQuery,
  ): Promise<CommentPage> {
    return this.mesh.read(Subjects.comments.list, { postId: p.id, limit: q.limit, cursor: q.cursor });
  }

  @Delete('comments/:id')
  @HttpCode(204)
  @UseGuards(AuthGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Delete a comment (its author only); a replay with the same key is 204 again' })
  @ApiIdempotencyKey()
  @ApiResponse({ status: 204 })
  @Problems(400, 401, 403, 404, 503)
  async remove(
    @CurrentUser() user: AuthUser,
    @Param(new ZodPipe(IdParam)) p: IdParam,
    @IdempotencyKey() idempotencyKey: string,
  ): Promise<void> {
    await this.mesh.write(Subjects.comments.delete, { id: p.id, requesterId: user.id }, { idempotencyKey });
  }
}
