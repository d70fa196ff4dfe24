import { Controller, Get, Headers, HttpCode, Inject, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Media } from '#contracts';
import { AuthGuard, CurrentUser } from '../auth/auth.guard.js';
import type { AuthUser } from '../auth/token-verifier.js';
import { ApiIdempotencyKey, IdempotencyKey } from '../http/idempotency-key.js';
import { IdParam } from '../http/params.js';
import { ZodPipe } from '../http/zod.pipe.js';
import { Problems, ref } from '../openapi/openapi-refs.js';
import { MediaDelivery } from './media-delivery.js';
import { MediaUploader } from './media-uploader.js';
import { RateLimit } from '../limits/rate-limit.decorator.js';

const imageBody = {
  description:
    "the bytes, with a strong ETag and Cache-Control: no-cache (revalidate each time: a deleted post's image is 404)",
  content: { 'image/*': { schema: { type: 'string', format: 'binary' } } },
};

@ApiTags('media')
@Controller('media')
export class MediaController {
  constructor(
    @Inject(MediaUploader) private readonly uploader: MediaUploader,
    @Inject(MediaDelivery) private readonly delivery: MediaDelivery,
  ) {}

  @Post()
  @HttpCode(201)
  @UseGuards(AuthGuard)
  @ApiBearerAuth()
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary' } } },
  })
  @ApiOperation({
    summary:
      'Upload an image (JPEG, PNG, WebP, GIF; ≤ 10 MiB; ≤ 40 megapixels); the same bytes again with the same key answer the first media',
  })
  @ApiIdempotencyKey()
  @ApiResponse({ status: 201, schema: ref('Media') })
  @Problems(400, 401, 413, 415, 429, 503)
  @RateLimit('media.upload')
  upload(
    @CurrentUser() user: AuthUser,
    @Req() req: FastifyRequest,
    @IdempotencyKey() idempotencyKey: string,
  ): Promise<Media> {
    return this.uploader.upload(req, user.id, idempotencyKey);
  }

  @Get(':id')
  @ApiOperation({ summary: 'The original image' })
  @ApiResponse({ status: 200, ...imageBody })
  @ApiResponse({ status: 304, description: 'If-None-Match matched' })
  @Problems(400, 404, 503)
  original(
    @Param(new ZodPipe(IdParam)) p: IdParam,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    return this.delivery.send(p.id, 'original', ifNoneMatch, reply);
  }

  @Get(':id/thumbnail')
  @ApiOperation({ summary: 'A thumbnail at most 320 px on its longer side' })
  @ApiResponse({ status: 200, ...imageBody })
  @ApiResponse({ status: 304, description: 'If-None-Match matched' })
  @Problems(400, 404, 503)
  thumbnail(
    @Param(new ZodPipe(IdParam)) p: IdParam,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    return this.delivery.send(p.id, 'thumbnail', ifNoneMatch, reply);
  }
}
