// How the edge calls services: reads and writes each with their own deadline, behind one circuit
// breaker per service. A breaker opens when a service answers "no responders" (no replica at all)
// three times in a row; while open, calls fail at once without a NATS request (503, or a degraded
// part), and after a pause one probe is let through to close it again. Timeouts do not open it:
// one slow or killed replica among several must not take its healthy siblings out of service.
import { Inject, Injectable } from '@nestjs/common';
import {
  BrokenCircuitError,
  circuitBreaker,
  ConsecutiveBreaker,
  handleWhen,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import { ErrorCodes, MeshError, ownerOf, type ReplyOf, type RequestOf, type RequestSubject } from '#contracts';
import { MeshClient } from '#mesh';
import { EDGE_CONFIG, type EdgeConfig } from '../edge.config.js';
import { EdgeMetrics } from '../metrics/edge-metrics.js';

/** Consecutive "no responders" that open a service's breaker. */
const OPEN_AFTER = 3;

@Injectable()
export class EdgeMesh {
  private readonly breakers = new Map<string, CircuitBreakerPolicy>();
  /** When each open breaker (last) opened: optional reads skip the service until a probe is due. */
  private readonly openedAt = new Map<string, number>();

  constructor(
    @Inject(MeshClient) private readonly client: MeshClient,
    @Inject(EDGE_CONFIG) private readonly config: EdgeConfig,
    @Inject(EdgeMetrics) private readonly metrics: EdgeMetrics,
  ) {}

  /** A query: short deadline. */
  read<K extends RequestSubject>(subject: K, data: RequestOf<K>): Promise<ReplyOf<K>> {
    return this.call(subject, data, this.config.READ_TIMEOUT_MS);
  }

  /**
   * A command: a longer deadline (it may hash a password or write rows). `idempotencyKey` travels
   * to the service that writes, which stores it with the write (see MeshHeaders.idempotencyKey).
   */
  write<K extends RequestSubject>(
    subject: K,
    data: RequestOf<K>,
    opts: { idempotencyKey?: string } = {},
  ): Promise<ReplyOf<K>> {
    return this.call(subject, data, this.config.WRITE_TIMEOUT_MS, opts.idempotencyKey);
  }

  /**
   * An optional read that is skipped (null) while its service's breaker is open: a degraded part
   * then costs no request and no thrown error at all.
   */
  async readOptional<K extends RequestSubject>(subject: K, data: RequestOf<K>): Promise<ReplyOf<K> | null> {
    const service = ownerOf(subject);
    const openedAt = this.openedAt.get(service);
    if (openedAt !== undefined && Date.now() - openedAt < this.config.CIRCUIT_HALF_OPEN_AFTER_MS) {
      this.metrics.nats(subject, 'circuit-open', 0);
      return null;
    }
    try {
      return await this.read(subject, data);
    } catch (err) {
      if (err instanceof MeshError && err.isUnavailability) return null;
      throw err;
    }
  }

  private async call<K extends RequestSubject>(
    subject: K,
    data: RequestOf<K>,
    timeoutMs: number,
    idempotencyKey?: string,
  ): Promise<ReplyOf<K>> {
    const service = ownerOf(subject);
    try {
      return await this.breaker(service).execute(() =>
        this.client.request(subject, data, { timeoutMs, idempotencyKey }),
      );
    } catch (err) {
      if (err instanceof BrokenCircuitError) {
        this.metrics.nats(subject, 'circuit-open', 0);
        throw new MeshError(ErrorCodes.unavailable, `no replica of ${service} is running`, undefined, service);
      }
      throw err;
    }
  }

  private breaker(service: string): CircuitBreakerPolicy {
    let b = this.breakers.get(service);
    if (!b) {
      b = circuitBreaker(
        handleWhen((e) => e instanceof MeshError && e.code === ErrorCodes.noResponders),
        { halfOpenAfter: this.config.CIRCUIT_HALF_OPEN_AFTER_MS, breaker: new ConsecutiveBreaker(OPEN_AFTER) },
      );
      b.onBreak(() => this.openedAt.set(service, Date.now()));
      b.onReset(() => this.openedAt.delete(service));
      this.breakers.set(service, b);
    }
    return b;
  }
}
