// Your notifications, read from notifications (which builds them from events alone): a page
// newest first with the unread count, the count alone (what a bell polls or refetches on
// reconnect), and the read marker. Actors travel in the notifications themselves (the events
// carried them), so no other service is asked. Live ones arrive on GET /events as
// `event: notification`.
import { Body, Controller, Get, HttpCode, Inject, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { MarkReadBody, PageQuery, Subjects, type NotificationPage, type UnreadCountReply } from '#contracts';
import { AuthGuard, CurrentUser } from '../auth/auth.guard.js';
import type { AuthUser } from '../auth/token-verifier.js';
import { ZodPipe } from '../http/zod.pipe.js';
import { EdgeMesh } from '../mesh/edge-mesh.js';
import { Problems, ref } from '../openapi/openapi-refs.js';
import { RateLimit } from '../limits/rate-limit.decorator.js';

@ApiTags('notifications')
@Controller('notifications')
export class NotificationsController {
  constructor(@Inject(EdgeMesh) private readonly mesh: EdgeMesh) {}

  @Get()
  @UseGuards(AuthGuard)
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Your notifications, newest first, with how many are unread',
    description: 'Likes of one post are one notification (`count`, the latest likers in `actors`).',
  })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: '1-100, default 20' })
  @ApiQuery({ name: 'cursor', required: false, type: String, description: "the previous page's nextCursor" })
  @ApiResponse({ status: 200, schema: ref('NotificationPage') })
  @Problems(400, 401, 503)
  list(@CurrentUser() user: AuthUser, @Query(new ZodPipe(PageQuery)) q: PageQuery): Promise<NotificationPage> {
    return this.mesh.read(Subjects.notifications.list, { userId: user.id, limit: q.limit, cursor: q.cursor });
  }

  @Get('unread-count')
  @UseGuards(AuthGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'How many of your notifications are unread' })
  @ApiResponse({ status: 200, schema: ref('UnreadCount') })
  @Problems(401, 503)
  unreadCount(@CurrentUser() user: AuthUser): Promise<UnreadCountReply> {
    return this.mesh.read(Subjects.notifications.unreadCount, { userId: user.id });
  }

  @Post('read')
  @HttpCode(204)
  @UseGuards(AuthGuard)
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Mark read: this notification and every one below it in the list (a marker; it never moves back)',
  })
  @ApiBody({ schema: ref('MarkReadBody') })
  @ApiResponse({ status: 204 })
  @Problems(400, 401, 404, 429, 503)
  @RateLimit('notifications.read')
  async markRead(@CurrentUser() user: AuthUser, @Body(new ZodPipe(MarkReadBody)) b: MarkReadBody): Promise<void> {
    // Idempotent by nature: the marker only moves up, so a retry is harmless.
    await this.mesh.write(Subjects.notifications.markRead, { userId: user.id, upTo: b.upTo }, { idempotent: true });
  }
}
