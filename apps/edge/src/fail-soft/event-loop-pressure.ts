// The edge's own event loop, measured by @fastify/under-pressure: while its mean delay passes
// the limit — or while the edge refuses requests at its own concurrency limit — the brownout
// skips every optional part (the parts are shed before more whole requests are). The plugin's
// pressure handler lets each request through (its default would answer every request 503): the
// edge still serves the routes' own reads, only without their extras.
import underPressure from '@fastify/under-pressure';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Brownout } from './brownout.js';
import type { EdgeAdmission } from './edge-admission.js';

export async function watchEventLoop(
  app: NestFastifyApplication,
  brownout: Brownout,
  maxDelayMs: number,
  admission: EdgeAdmission,
  holdMs: number,
): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  await fastify.register(underPressure, {
    maxEventLoopDelay: maxDelayMs,
    sampleInterval: 250,
    pressureHandler: () => undefined,
  });
  brownout.watchEdge(() =>
    fastify.isUnderPressure() ? 'edge-lag' : admission.refusedWithin(holdMs) ? 'edge-limit' : null,
  );
}
