// How the edge calls services. Every call has a deadline (reads short, writes longer) and runs
// behind one circuit breaker per service (cockatiel):
// - A read that times out is asked once more, at once, of the replicas heard from lately, each
//   on its own direct subject and all at the same time; the first answer wins. A replica that
//   was killed or frozen mid-request so costs one read deadline, not an error: the queue group
//   alone could hand the retry to the same frozen replica.
// - A write is retried the same way when it timed out, but only with an idempotency key (the
//   service stores the key with the write, so two tries apply once); a write that found no
//   responder never reached anyone and is tried once more after a short pause.
// - The breaker opens after three calls in a row failed for want of a replica (no responders,
//   or a deadline missed even after the retry); while open, calls fail at once without a NATS
//   request (503, or a degraded part), and after a pause one probe is let through to close it.
//   A timeout that the retry recovered does not count: one killed replica among several must
//   not take its healthy siblings out of service.
import { Inject, Injectable } from '@nestjs/common';
import {
  BrokenCircuitError,
  circuitBreaker,
  ConsecutiveBreaker,
  handleWhen,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import { ErrorCodes, MeshError, ownerOf, type ReplyOf, type RequestOf, type RequestSubject } from '#contracts';
import { MeshClient, ReplicaDirectory } from '#mesh';
import { EDGE_CONFIG, type EdgeConfig } from '../edge.config.js';
import { EdgeMetrics } from '../metrics/edge-metrics.js';

/** Consecutive calls failed for want of a replica that open a service's breaker. */
const OPEN_AFTER = 3;
/** At most this many replicas are asked at once by a retry. */
const RETRY_FAN_OUT = 3;
/** Pause before a write that found no responder is tried again (a replica may be restarting). */
const NO_RESPONDERS_PAUSE_MS = 50;

const isTimeout = (e: unknown) => e instanceof MeshError && e.code === ErrorCodes.timeout;
const isNoResponders = (e: unknown) => e instanceof MeshError && e.code === ErrorCodes.noResponders;

/** A direct try's outcome: an answer (even a domain error) settles the retry; a transport failure does not. */
type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

@Injectable()
export class EdgeMesh {
  private readonly breakers = new Map<string, CircuitBreakerPolicy>();
  /** When each open breaker (last) opened: optional reads skip the service until a probe is due. */
  private readonly openedAt = new Map<string, number>();

  constructor(
    @Inject(MeshClient) private readonly client: MeshClient,
    @Inject(ReplicaDirectory) private readonly replicas: ReplicaDirectory,
    @Inject(EDGE_CONFIG) private readonly config: EdgeConfig,
    @Inject(EdgeMetrics) private readonly metrics: EdgeMetrics,
  ) {}

  /** A query: short deadline, one retry on live replicas if it times out. */
  read<K extends RequestSubject>(subject: K, data: RequestOf<K>): Promise<ReplyOf<K>> {
    return this.guarded(subject, () => this.readOnce(subject, data));
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
    return this.guarded(subject, () => this.writeOnce(subject, data, opts.idempotencyKey));
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

  private async readOnce<K extends RequestSubject>(subject: K, data: RequestOf<K>): Promise<ReplyOf<K>> {
    const timeoutMs = this.config.READ_TIMEOUT_MS;
    try {
      return await this.client.request(subject, data, { timeoutMs });
    } catch (err) {
      if (!isTimeout(err)) throw err;
      this.metrics.retry(subject, 'timeout');
      return this.onLiveReplicas(subject, data, { timeoutMs }, err);
    }
  }

  private async writeOnce<K extends RequestSubject>(
    subject: K,
    data: RequestOf<K>,
    idempotencyKey: string | undefined,
  ): Promise<ReplyOf<K>> {
    const opts = { timeoutMs: this.config.WRITE_TIMEOUT_MS, idempotencyKey };
    try {
      return await this.client.request(subject, data, opts);
    } catch (err) {
      if (isNoResponders(err)) {
        // Nobody received it: trying again cannot apply it twice, key or not.
        this.metrics.retry(subject, 'no-responders');
        await new Promise((r) => setTimeout(r, NO_RESPONDERS_PAUSE_MS));
        return this.client.request(subject, data, opts);
      }
      // A write that timed out may have been applied: only its key makes another try safe.
      if (!isTimeout(err) || idempotencyKey === undefined) throw err;
      this.metrics.retry(subject, 'timeout');
      return this.onLiveReplicas(subject, data, opts, err);
    }
  }

  /**
   * The retry: the same request to each replica heard from lately, on its own subject, at once;
   * the first answer wins (a domain error is an answer too). With no replica known, the queue
   * group is asked again.
   */
  private async onLiveReplicas<K extends RequestSubject>(
    subject: K,
    data: RequestOf<K>,
    opts: { timeoutMs: number; idempotencyKey?: string },
    firstError: unknown,
  ): Promise<ReplyOf<K>> {
    const service = ownerOf(subject);
    const ids = this.replicas.alive(service, RETRY_FAN_OUT);
    if (ids.length === 0) return this.client.request(subject, data, opts);
    const tries = ids.map((id) =>
      this.client.requestReplica(subject, id, data, opts).then(
        (value): Settled<ReplyOf<K>> => ({ ok: true, value }),
        (error: unknown): Settled<ReplyOf<K>> | Promise<never> => {
          if (isNoResponders(error)) this.replicas.forget(service, id);
          // Transport failures leave the others to answer; a domain error is the answer.
          if (error instanceof MeshError && error.isUnavailability) return Promise.reject(error);
          return { ok: false, error };
        },
      ),
    );
    let settled: Settled<ReplyOf<K>>;
    try {
      settled = await Promise.any(tries);
    } catch (err) {
      // Every replica failed to answer: the timeout (rather than a vanished replica) explains it.
      const errors = err instanceof AggregateError ? (err.errors as unknown[]) : [];
      throw errors.find(isTimeout) ?? firstError;
    }
    if (settled.ok) return settled.value;
    throw settled.error;
  }

  private async guarded<T>(subject: string, fn: () => Promise<T>): Promise<T> {
    const service = ownerOf(subject);
    try {
      return await this.breaker(service).execute(fn);
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
        handleWhen((e) => isNoResponders(e) || isTimeout(e)),
        { halfOpenAfter: this.config.CIRCUIT_HALF_OPEN_AFTER_MS, breaker: new ConsecutiveBreaker(OPEN_AFTER) },
      );
      b.onBreak(() => this.openedAt.set(service, Date.now()));
      b.onReset(() => this.openedAt.delete(service));
      this.breakers.set(service, b);
    }
    return b;
  }
}
