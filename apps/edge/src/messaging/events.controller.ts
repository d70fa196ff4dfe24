import { Controller, Get, HttpCode, Inject, Post, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { EventTicketReply } from '#contracts';
import { AuthGuard, CurrentSession, CurrentUser } from '../auth/auth.guard.js';
import type { AuthUser, VerifiedToken } from '../auth/token-verifier.js';
import { Problems } from '../openapi/openapi-refs.js';
import { EventsAuthGuard } from './events-auth.guard.js';
import { EventTickets } from './event-tickets.js';
import { RateLimit } from '../limits/rate-limit.decorator.js';
import { LiveStreams } from './live-streams.js';

@ApiTags('messaging')
@Controller()
export class EventsController {
  constructor(
    @Inject(LiveStreams) private readonly streams: LiveStreams,
    @Inject(EventTickets) private readonly tickets: EventTickets,
  ) {}

  @Post('events/ticket')
  @HttpCode(201)
  @UseGuards(AuthGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'A single-use ticket for GET /events?ticket= (EventSource cannot send headers)' })
  @ApiResponse({
    status: 201,
    schema: {
      type: 'object',
      required: ['ticket', 'expiresIn'],
      properties: { ticket: { type: 'string' }, expiresIn: { type: 'integer', description: 'seconds' } },
    },
  })
  @Problems(401, 429, 503)
  @RateLimit('events.ticket')
  ticket(@CurrentUser() user: AuthUser, @CurrentSession() s: Omit<VerifiedToken, 'user'>): Promise<EventTicketReply> {
    return this.tickets.issue({ user, ...s });
  }

  /** Needs no service: it stays open while messaging or notifications is down (nothing to push then, but no error). */
  @Get('events')
  @UseGuards(EventsAuthGuard)
  @ApiBearerAuth()
  @ApiOperation({
    summary:
      'Server-Sent Events: `event: message` with a Message for each message to or from you, ' +
      '`event: notification` with a Notification for each new one of yours, ' +
      '`event: notification-removed` with a NotificationRemoved for each unread one taken back',
    description:
      'A ticket from POST /events/ticket in `?ticket=` (EventSource), or the token in the Authorization header. ' +
      'A hint, not the truth: pushes made while this stream was not open are not replayed, so on every (re)connect ' +
      'refetch GET /notifications/unread-count (and the list, if shown). ' +
      'A comment every 15 s; `event: session-ended` when the token expires or the session is revoked.',
  })
  @ApiQuery({ name: 'ticket', required: false, type: String })
  @ApiResponse({ status: 200, content: { 'text/event-stream': { schema: { type: 'string' } } } })
  @Problems(401, 429, 503)
  events(
    @CurrentUser() user: AuthUser,
    @CurrentSession() s: Omit<VerifiedToken, 'user'>,
    @Res() reply: FastifyReply,
  ): void {
    this.streams.admit(user.id);
    // The response is ours from here: Fastify neither sends nor times it out.
    reply.hijack();
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(reply.getHeaders())) if (typeof v === 'string') headers[k] = v;
    this.streams.open(user.id, { sessionId: s.sessionId, tokenExpiresAtMs: s.expiresAtMs }, reply.raw, headers);
  }
}
