import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import {
  ConversationParam,
  ConversationQuery,
  SendMessageBody,
  Subjects,
  type ConversationList,
  type Message,
  type MessagePage,
} from '#contracts';
import { AuthGuard, CurrentUser } from '../auth/auth.guard.js';
import type { AuthUser } from '../auth/token-verifier.js';
import { ApiIdempotencyKey, IdempotencyKey } from '../http/idempotency-key.js';
import { ZodPipe } from '../http/zod.pipe.js';
import { EdgeMesh } from '../mesh/edge-mesh.js';
import { Problems, ref } from '../openapi/openapi-refs.js';
import { RateLimit } from '../limits/rate-limit.decorator.js';

const summary = (u: AuthUser) => ({ id: u.id, username: u.username, displayName: u.displayName });

@ApiTags('messaging')
@Controller()
@UseGuards(AuthGuard)
@ApiBearerAuth()
export class MessagingController {
  constructor(@Inject(EdgeMesh) private readonly mesh: EdgeMesh) {}

  @Post('messages')
  @HttpCode(201)
  @ApiOperation({ summary: 'Send a direct message (404 if `to` is no user; 400 to yourself)' })
  @ApiIdempotencyKey()
  @ApiBody({ schema: ref('SendMessageBody') })
  @ApiResponse({ status: 201, description: 'also pushed to both sides’ /events streams', schema: ref('Message') })
  @Problems(400, 401, 404, 429, 503)
  @RateLimit('messages.send')
  send(
    @CurrentUser() user: AuthUser,
    @Body(new ZodPipe(SendMessageBody)) body: SendMessageBody,
    @IdempotencyKey() idempotencyKey: string,
  ): Promise<Message> {
    return this.mesh.write(
      Subjects.messaging.send,
      { from: summary(user), toUsername: body.to, text: body.text },
      { idempotencyKey },
    );
  }

  @Get('messages/:username')
  @ApiOperation({ summary: 'Your conversation with a user, newest first' })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: '1-100, default 20' })
  @ApiQuery({ name: 'cursor', required: false, type: String })
  @ApiResponse({ status: 200, schema: ref('MessagePage') })
  @Problems(400, 401, 503)
  conversation(
    @CurrentUser() user: AuthUser,
    @Param(new ZodPipe(ConversationParam)) p: ConversationParam,
    @Query(new ZodPipe(ConversationQuery)) q: ConversationQuery,
  ): Promise<MessagePage> {
    return this.mesh.read(Subjects.messaging.conversation, {
      userId: user.id,
      withUsername: p.username,
      limit: q.limit,
      cursor: q.cursor,
    });
  }

  @Get('conversations')
  @ApiOperation({ summary: 'Your conversations, newest first, each with its last message' })
  @ApiResponse({ status: 200, schema: ref('ConversationList') })
  @Problems(401, 503)
  conversations(@CurrentUser() user: AuthUser): Promise<ConversationList> {
    return this.mesh.read(Subjects.messaging.conversations, { userId: user.id });
  }
}
