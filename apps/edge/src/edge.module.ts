import { Module, type DynamicModule } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import type { NatsConnection } from '@nats-io/transport-node';
import { MeshClient } from '#mesh';
import { AuthController } from './auth/auth.controller.js';
import { TokenVerifier } from './auth/token-verifier.js';
import { RevokedSessions } from './auth/revoked-sessions.js';
import { EDGE_CONFIG, type EdgeConfig } from './edge.config.js';
import { HealthController } from './health/health.controller.js';
import { NatsStatus } from '#mesh';
import { EdgeMesh } from './mesh/edge-mesh.js';
import type { ConsumerLag } from './metrics/consumer-lag.js';
import { EdgeMetrics } from './metrics/edge-metrics.js';
import { PostsController } from './posts/posts.controller.js';
import { UsersController } from './users/users.controller.js';
import { UserProfiles } from './users/user-profile.js';
import { FollowsController } from './follows/follows.controller.js';
import { HomeTimelineController } from './posts/home-timeline.controller.js';
import { NotificationsController } from './notifications/notifications.controller.js';
import { mediaControllers, mediaProviders } from './media/media-http.js';
import { messagingControllers, messagingProviders } from './messaging/messaging-http.js';
import { CommentsController } from './comments/comments.controller.js';
import { LikesController } from './likes/likes.controller.js';
import { PostStitcher } from './posts/post-stitcher.js';
import { AuthGuard, OptionalAuthGuard } from './auth/auth.guard.js';
import { LoginGate } from './limits/login-gate.js';
import { RateLimitInterceptor } from './limits/rate-limit.interceptor.js';
import { RATE_LIMIT_NATS, RateLimits } from './limits/rate-limits.js';
import { Brownout } from './fail-soft/brownout.js';

export interface EdgeDeps {
  config: EdgeConfig;
  nc: NatsConnection;
  mesh: MeshClient;
  tokens: TokenVerifier;
  /** This edge's revocation list (fed from events.identity.sessions.revoked). */
  revoked: RevokedSessions;
  metrics: EdgeMetrics;
  /** Every durable event consumer's lag, read in the background (GET /mesh, /metrics). */
  lag: ConsumerLag;
  /** Which services' optional parts are skipped under pressure (absent: none ever). */
  brownout?: Brownout;
}

@Module({})
export class EdgeModule {
  static register(d: EdgeDeps): DynamicModule {
    return {
      module: EdgeModule,
      controllers: [
        AuthController,
        UsersController,
        FollowsController,
        PostsController,
        HomeTimelineController,
        NotificationsController,
        CommentsController,
        LikesController,
        HealthController,
        ...mediaControllers,
        ...messagingControllers,
      ],
      providers: [
        { provide: EDGE_CONFIG, useValue: d.config },
        { provide: MeshClient, useValue: d.mesh },
        { provide: TokenVerifier, useValue: d.tokens },
        { provide: RevokedSessions, useValue: d.revoked },
        { provide: EdgeMetrics, useValue: d.metrics },
        ...(d.brownout ? [{ provide: Brownout, useValue: d.brownout }] : []),
        // A factory, not a value: register() itself touches no connection, so the OpenAPI document
        // can be built from this module without one (openapi-document.ts).
        { provide: NatsStatus, useFactory: () => new NatsStatus(d.nc) },
        EdgeMesh,
        PostStitcher,
        UserProfiles,
        AuthGuard,
        OptionalAuthGuard,
        { provide: RATE_LIMIT_NATS, useFactory: () => d.nc },
        RateLimits,
        LoginGate,
        { provide: APP_INTERCEPTOR, useClass: RateLimitInterceptor },
        ...mediaProviders(d),
        ...messagingProviders(d),
      ],
    };
  }
}
