import { Controller, Get, Inject, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentUser } from '../auth/auth.guard.js';
import type { AuthUser } from '../auth/token-verifier.js';
import { Problems } from '../openapi/openapi-refs.js';
import { EventsAuthGuard } from './events-auth.guard.js';
import { LiveStreams } from './live-streams.js';

@ApiTags('messaging')
@Controller()
export class EventsController {
  constructor(@Inject(LiveStreams) private readonly streams: LiveStreams) {}

  /** Needs no service: it stays open while messaging is down (nothing to push then, but no error). */
  @Get('events')
  @UseGuards(EventsAuthGuard)
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Server-Sent Events: `event: message` with a Message for each message to or from you',
    description: 'Token in the Authorization header or `?access_token=` (EventSource). A comment every 15 s.',
  })
  @ApiQuery({ name: 'access_token', required: false, type: String })
  @ApiResponse({ status: 200, content: { 'text/event-stream': { schema: { type: 'string' } } } })
  @Problems(401)
  events(@CurrentUser() user: AuthUser, @Res() reply: FastifyReply): void {
    // The response is ours from here: Fastify neither sends nor times it out.
    reply.hijack();
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(reply.getHeaders())) if (typeof v === 'string') headers[k] = v;
    this.streams.open(user.id, reply.raw, headers);
  }
}
