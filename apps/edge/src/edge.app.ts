// Starts one edge replica: NATS first (reconnecting forever), then Fastify under Nest.
import { hostname } from 'node:os';
import { Svcm } from '@nats-io/services';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { connectNats, MeshClient, ReplicaDirectory } from '#mesh';
import { createLogger, PinoNestLogger, startTracing, stopOnSignals, stopTracing } from '#runtime';
import { loadPublicKey, TokenVerifier } from './auth/token-verifier.js';
import { RevokedSessions } from './auth/revoked-sessions.js';
import type { EdgeConfig } from './edge.config.js';
import { EdgeModule } from './edge.module.js';
import { installHooks, requestIdFrom } from './http/fastify-hooks.js';
import { httpTimeouts } from './http/http-timeouts.js';
import { installSecurityHeaders } from './http/security-headers.js';
import { ConsumerLag } from './metrics/consumer-lag.js';
import { EdgeMetrics } from './metrics/edge-metrics.js';
import { buildOpenApi, serveOpenApi } from './openapi/openapi.js';
import { ProblemFilter } from './problem/problem.filter.js';
import { startAdmin } from './admin/admin.app.js';
import { installMediaHttp } from './media/media-http.js';
import { installMessagingHttp } from './messaging/messaging-http.js';
import { DEFAULT_WEB_ROOT, installWebClient } from './web/web-client.js';
import { Brownout } from './fail-soft/brownout.js';
import { EdgeAdmission } from './fail-soft/edge-admission.js';
import { watchEventLoop } from './fail-soft/event-loop-pressure.js';
import { ownerOf } from '#contracts';

export const EDGE_VERSION = '0.1.0';

export interface RunningEdge {
  app: NestFastifyApplication;
  url: string;
  /** The admin listener: /mesh, /metrics, the board. */
  adminUrl: string;
  stop: () => Promise<void>;
}

export async function startEdge(c: EdgeConfig, o: { handleSignals?: boolean } = {}): Promise<RunningEdge> {
  const logger = createLogger({ service: 'edge', level: c.LOG_LEVEL, format: c.LOG_FORMAT });
  startTracing({ service: 'edge', endpoint: c.OTEL_EXPORTER_OTLP_ENDPOINT });
  const revoked = new RevokedSessions({
    accessTokenTtlMs: c.ACCESS_TOKEN_TTL_SECONDS * 1000,
    logger: logger.child({ component: 'revocations' }),
  });
  const tokens = new TokenVerifier(loadPublicKey({ file: c.JWT_PUBLIC_KEY_FILE, pem: c.JWT_PUBLIC_KEY }), (sid) =>
    revoked.has(sid),
  );
  const metrics = new EdgeMetrics();
  const nc = await connectNats({
    url: c.NATS_URL,
    name: 'edge',
    pingIntervalMs: c.NATS_PING_INTERVAL_MS,
    serverOrder: c.NATS_SERVER_ORDER,
    user: c.NATS_USER,
    password: c.NATS_PASSWORD,
    logger,
  });
  // In the background: an edge starts (and serves) while JetStream or identity is not there yet.
  revoked.start(nc);
  const lag = new ConsumerLag({
    intervalMs: c.CONSUMER_LAG_INTERVAL_MS,
    metrics,
    logger: logger.child({ component: 'consumer-lag' }),
  }).start(nc);
  const replicas = new ReplicaDirectory(nc, {
    intervalMs: c.REPLICA_PING_INTERVAL_MS,
    freshMs: c.REPLICA_FRESH_MS,
  }).start();
  const brownout = new Brownout({
    enabled: c.OVERLOAD_PROTECTION,
    latencyTargetMs: c.BROWNOUT_LATENCY_TARGET_MS,
    refusedShare: c.BROWNOUT_REFUSED_SHARE,
    holdMs: c.BROWNOUT_HOLD_MS,
  });
  metrics.watchBrownout(brownout);
  const mesh = new MeshClient(nc, {
    defaultTimeoutMs: c.READ_TIMEOUT_MS,
    onOutcome: (subject, outcome, ms, criticality) => {
      metrics.nats(subject, outcome, ms, criticality);
      // Pressure is judged on the calls brownout would skip: identity's sign-ups and logins take
      // their hashing time by design, and must not brown out its cheap lookups.
      if (criticality === 'degradable') brownout.observe(ownerOf(subject), outcome, ms);
    },
    replicas,
    onRetry: (subject, cause) => metrics.retry(subject, cause),
    onRetryRefused: (subject) => metrics.retryRefused(subject),
    hedging: c.OVERLOAD_PROTECTION ? { ratio: c.HEDGE_RATIO, cap: c.HEDGE_BURST } : undefined,
    // Under OVERLOAD_PROTECTION a slow replica's share goes to the others (ReplicaLoad).
    balance: c.OVERLOAD_PROTECTION,
    onHedge: (subject) => metrics.retry(subject, 'p95'),
  });

  const adapter = new FastifyAdapter({
    bodyLimit: c.JSON_BODY_LIMIT_BYTES,
    genReqId: (req: { headers: Record<string, unknown> }) => requestIdFrom(req.headers['x-request-id']),
    return503OnClosing: true,
    ...httpTimeouts(c),
  });
  const deps = { config: c, nc, mesh, tokens, revoked, metrics, lag, brownout };
  const app = await NestFactory.create<NestFastifyApplication>(EdgeModule.register(deps), adapter, {
    logger: new PinoNestLogger(logger),
  });
  await installSecurityHeaders(app);
  installHooks(app.getHttpAdapter().getInstance(), { logger, metrics, accessLog: c.ACCESS_LOG });
  // After the hooks above: a refusal carries its request id and is counted in http_requests_total.
  const admission = new EdgeAdmission({
    enabled: c.OVERLOAD_PROTECTION,
    initial: c.EDGE_CONCURRENCY_LIMIT_INITIAL,
    min: c.EDGE_CONCURRENCY_LIMIT_MIN,
    max: c.EDGE_CONCURRENCY_LIMIT_MAX,
    tolerance: c.EDGE_CONCURRENCY_LIMIT_TOLERANCE,
  });
  metrics.watchEdgeAdmission(admission);
  if (c.OVERLOAD_PROTECTION) {
    await watchEventLoop(app, brownout, c.EDGE_MAX_EVENT_LOOP_DELAY_MS, admission, c.BROWNOUT_HOLD_MS);
    admission.install(app.getHttpAdapter().getInstance(), () => metrics.unavailable('edge'));
  }
  app.useGlobalFilters(new ProblemFilter(logger, metrics));
  await installMediaHttp(app, deps);
  await installMessagingHttp(app, deps);
  serveOpenApi(app, buildOpenApi(app, EDGE_VERSION));
  await installWebClient(app, { root: c.WEB_ROOT ?? DEFAULT_WEB_ROOT, logger });
  await app.listen(c.PORT, c.HOST);
  const admin = await startAdmin(deps, logger).catch(async (err: unknown) => {
    await app.close();
    throw err;
  });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : c.PORT;
  // Registered with NATS's service API like every replica, so `nats micro ls`, `mesh status` and
  // GET /mesh list the edges too (it serves HTTP, so it has no NATS endpoints of its own).
  const registration = await new Svcm(nc as never).add({
    name: 'edge',
    version: EDGE_VERSION,
    metadata: {
      pid: String(process.pid),
      host: hostname(),
      startedAt: new Date().toISOString(),
      port: String(port),
      adminPort: String(admin.port),
    },
  });
  logger.info({ port }, 'edge listening');

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      replicas.stop();
      lag.stop();
      await revoked.stop();
      await registration.stop().catch(() => undefined);
      await app.close();
      await admin.app.close();
      await nc.drain().catch(() => nc.close());
      await stopTracing();
    })());
  if (o.handleSignals !== false) stopOnSignals(stop, { logger, boundMs: c.DRAIN_TIMEOUT_MS + 5000 });
  return { app, url: `http://127.0.0.1:${port}`, adminUrl: admin.url, stop };
}
