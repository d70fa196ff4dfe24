// Prometheus figures of the edge: HTTP by route and status, NATS requests by subject and
// outcome, degraded and unavailable answers by service, and each durable event consumer's lag.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ownerOf, type Criticality } from '#contracts';
import { type RequestOutcome } from '#mesh';
import { RecentCounter } from './recent-counter.js';
import type { Brownout } from '../fail-soft/brownout.js';

export class EdgeMetrics {
  readonly registry = new Registry();
  private readonly httpRequests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  private readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  private readonly natsRequests = new Counter({
    name: 'nats_requests_total',
    help: 'Requests the edge sent over NATS, by subject and outcome',
    labelNames: ['subject', 'outcome'] as const,
    registers: [this.registry],
  });
  // A metric of its own rather than a third label on nats_requests_total: by service, not
  // subject, it stays small, and what reads nats_requests_total by its two labels keeps working.
  private readonly natsByCriticality = new Counter({
    name: 'nats_requests_by_criticality_total',
    help: 'Requests the edge sent over NATS, by service, criticality (critical, degradable, sheddable) and outcome',
    labelNames: ['service', 'criticality', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly natsDuration = new Histogram({
    name: 'nats_request_duration_seconds',
    help: 'NATS request-reply duration seen by the edge',
    labelNames: ['subject'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });
  private readonly retries = new Counter({
    name: 'nats_retries_total',
    help: 'Requests the edge asked again, by subject and cause: timeout (on live replicas), overloaded (on another replica), p95 (an early hedge of a read), no-responders',
    labelNames: ['subject', 'cause'] as const,
    registers: [this.registry],
  });
  private readonly retriesRefused = new Counter({
    name: 'nats_retries_refused_total',
    help: 'Timed-out requests not asked again because the service retry budget was spent (overload)',
    labelNames: ['subject'] as const,
    registers: [this.registry],
  });
  private readonly degradedAnswers = new Counter({
    name: 'degraded_answers_total',
    help: 'Answers served without the part of a service that was unavailable',
    labelNames: ['service'] as const,
    registers: [this.registry],
  });
  private readonly unavailableAnswers = new Counter({
    name: 'unavailable_answers_total',
    help: '503 answers because a service the request cannot do without was unavailable',
    labelNames: ['service'] as const,
    registers: [this.registry],
  });
  private readonly rateLimitedAnswers = new Counter({
    name: 'rate_limited_total',
    help: '429 answers, by budget (or login-delay, login-concurrency)',
    labelNames: ['budget'] as const,
    registers: [this.registry],
  });
  private readonly rateLimitFallbacks = new Counter({
    name: 'rate_limit_fallback_total',
    help: 'Requests counted by the local in-memory limiter because the shared NATS KV bucket was unavailable',
    labelNames: ['budget'] as const,
    registers: [this.registry],
  });
  private readonly rateLimitSyncFailures = new Counter({
    name: 'rate_limit_sync_failures_total',
    help: 'Syncs of the rate-limit counts with the NATS KV bucket that failed',
    registers: [this.registry],
  });
  private readonly breakerOpenings = new Counter({
    name: 'circuit_breaker_opened_total',
    help: "Times a service's circuit breaker opened",
    labelNames: ['service'] as const,
    registers: [this.registry],
  });

  private readonly consumerPending = new Gauge({
    name: 'event_consumer_pending',
    help: 'Events in the stream not yet delivered to the consuming service, by durable consumer',
    labelNames: ['consumer', 'service'] as const,
    registers: [this.registry],
  });
  private readonly consumerAckPending = new Gauge({
    name: 'event_consumer_ack_pending',
    help: 'Events delivered to the consuming service and not yet acknowledged, by durable consumer',
    labelNames: ['consumer', 'service'] as const,
    registers: [this.registry],
  });
  private readonly consumerOldest = new Gauge({
    name: 'event_consumer_oldest_unacked_seconds',
    help: 'Age of the oldest event the consuming service has not acknowledged (0: no backlog), by durable consumer',
    labelNames: ['consumer', 'service'] as const,
    registers: [this.registry],
  });
  private readonly consumerReadFailures = new Counter({
    name: 'event_consumer_lag_read_failures_total',
    help: "Reads of a durable consumer's lag that failed (its gauges are absent until one succeeds)",
    labelNames: ['consumer', 'service'] as const,
    registers: [this.registry],
  });

  /** The same answers over the last minute, per service, for GET /mesh (the mesh board). */
  private readonly recentDegraded = new RecentCounter();
  private readonly recentUnavailable = new RecentCounter();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Reports each service's brownout state (1: its optional parts are skipped) at every scrape. */
  watchBrownout(brownout: Brownout): void {
    new Gauge({
      name: 'brownout_active',
      help: "1 while a service's optional parts are skipped under pressure (brownout), by service and cause",
      labelNames: ['service', 'cause'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const s of brownout.states()) this.set({ service: s.service, cause: s.cause ?? 'none' }, s.active ? 1 : 0);
      },
    });
  }

  /** The edge's own concurrency limit, requests held and refusals (see EdgeAdmission), at every scrape. */
  watchEdgeAdmission(admission: { state(): { limit: number; inFlight: number; refused: number } }): void {
    new Gauge({
      name: 'edge_concurrency_limit',
      help: "The edge's adaptive limit of API requests held at once (OVERLOAD_PROTECTION)",
      registers: [this.registry],
      collect() {
        this.set(admission.state().limit);
      },
    });
    new Gauge({
      name: 'edge_in_flight',
      help: 'API requests the edge holds now',
      registers: [this.registry],
      collect() {
        this.set(admission.state().inFlight);
      },
    });
    new Counter({
      name: 'edge_refused_total',
      help: 'API requests the edge refused at once (503, Retry-After) because it held its limit',
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(admission.state().refused);
      },
    });
  }

  http(method: string, route: string, status: number, seconds: number): void {
    this.httpRequests.inc({ method, route, status: String(status) });
    this.httpDuration.observe({ method, route }, seconds);
  }

  nats(
    subject: string,
    outcome: RequestOutcome | 'circuit-open' | 'brownout',
    ms: number,
    criticality: Criticality = 'critical',
  ): void {
    this.natsRequests.inc({ subject, outcome });
    this.natsByCriticality.inc({ service: ownerOf(subject), criticality, outcome });
    // A call the breaker or the brownout spared never reached NATS: it has no duration to record.
    if (outcome !== 'circuit-open' && outcome !== 'brownout') this.natsDuration.observe({ subject }, ms / 1000);
  }

  retry(subject: string, cause: 'timeout' | 'overloaded' | 'p95' | 'no-responders'): void {
    this.retries.inc({ subject, cause });
  }

  retryRefused(subject: string): void {
    this.retriesRefused.inc({ subject });
  }

  degraded(service: string): void {
    this.degradedAnswers.inc({ service });
    this.recentDegraded.add(service);
  }

  unavailable(service: string): void {
    this.unavailableAnswers.inc({ service });
    this.recentUnavailable.add(service);
  }

  rateLimited(budget: string): void {
    this.rateLimitedAnswers.inc({ budget });
  }

  rateLimitFallback(budget: string): void {
    this.rateLimitFallbacks.inc({ budget });
  }

  rateLimitSyncFailed(): void {
    this.rateLimitSyncFailures.inc();
  }

  breakerOpened(service: string): void {
    this.breakerOpenings.inc({ service });
  }

  consumerLag(
    labels: { consumer: string; service: string },
    lag: { pending: number; inFlight: number; oldestSeconds: number },
  ): void {
    this.consumerPending.set(labels, lag.pending);
    this.consumerAckPending.set(labels, lag.inFlight);
    this.consumerOldest.set(labels, lag.oldestSeconds);
  }

  consumerLagUnknown(labels: { consumer: string; service: string }): void {
    this.consumerReadFailures.inc(labels);
    this.consumerPending.remove(labels);
    this.consumerAckPending.remove(labels);
    this.consumerOldest.remove(labels);
  }

  /** Degraded and 503 answers naming `service` that this edge gave in the last 60 s. */
  lastMinute(service: string): { degraded: number; unavailable: number } {
    return { degraded: this.recentDegraded.count(service), unavailable: this.recentUnavailable.count(service) };
  }
}
