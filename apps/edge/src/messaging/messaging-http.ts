// The edge's messaging routes: the controllers and providers EdgeModule mounts, and what must be
// installed on the Fastify instance before it listens (nothing: /events writes the raw response).
import type { Provider, Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { EdgeDeps } from '../edge.module.js';
import { EventsAuthGuard } from './events-auth.guard.js';
import { EventsController } from './events.controller.js';
import { EventTickets } from './event-tickets.js';
import { LIVE_STREAMS_OPTIONS, LiveStreams, type LiveStreamsOptions } from './live-streams.js';
import { MessagingController } from './messaging.controller.js';

export const messagingControllers: Type[] = [MessagingController, EventsController];

export function messagingProviders(deps: EdgeDeps): Provider[] {
  const options = (): LiveStreamsOptions => ({
    nc: deps.nc,
    keepAliveMs: deps.config.SSE_KEEPALIVE_MS,
    registry: deps.metrics.registry,
    perAccount: deps.config.EVENTS_STREAMS_PER_ACCOUNT,
    perReplica: deps.config.EVENTS_STREAMS_PER_REPLICA,
    onRevoked: (listener) => deps.revoked.onRevoked(listener),
  });
  return [
    { provide: LIVE_STREAMS_OPTIONS, useFactory: options },
    LiveStreams,
    EventsAuthGuard,
    { provide: EventTickets, useFactory: () => new EventTickets(deps.nc, deps.config.EVENT_TICKET_TTL_SECONDS) },
  ];
}

export async function installMessagingHttp(_app: NestFastifyApplication, _deps: EdgeDeps): Promise<void> {}
