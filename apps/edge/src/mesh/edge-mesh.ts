// How the edge calls services. Every call has a deadline (reads short, writes longer) and runs
// behind one circuit breaker per service (cockatiel):
// - A read that times out is asked once more, at once, of the replicas heard from lately, each
//   on its own direct subject and all at the same time; the first answer wins (MeshClient's
//   retryOnTimeout). A replica killed or frozen mid-request so costs one read deadline, not an
//   error: the queue group alone could hand the retry to the same frozen replica.
//   A read still unanswered at half its deadline asks whether a replica of its service has just
//   vanished (ReplicaDirectory.vanished: "no responders" on its ping subject); if one has, the
//   read is asked again of the live replicas then, not at the deadline.
// - A write is retried the same way when it timed out, but only with an idempotency key (the
//   service stores the key with the write, so two tries apply once) or when it is idempotent by
//   nature (a like: twice is once); a write that found no
//   responder never reached anyone and is tried once more after a short pause.
// - The breaker opens after three calls in a row found no replica at all (no responders), or
//   when most calls over a few seconds missed their deadline even after the retry; while open,
//   calls fail at once without a NATS request (503, or a degraded part), and after a pause one
//   probe is let through to close it. A timeout that the retry recovered does not count, and a
//   few unrecovered ones do not either: one killed replica among several must not take its
//   healthy siblings out of service.
// - A service none of whose replicas serves, but one of which is in the mesh saying why (waiting
//   for its database: MeshClient.unservedError), fails `unavailable` with that reason ("posts
//   cannot reach its database") instead of "no replica of posts is running"; that does not open
//   the breaker (each such call is one ~1 ms "no responders"), so every 503 says the same thing.
import { Inject, Injectable, Optional } from '@nestjs/common';
import {
  BrokenCircuitError,
  circuitBreaker,
  ConsecutiveBreaker,
  handleWhen,
  SamplingBreaker,
  wrap,
  type CircuitBreakerPolicy,
  type IPolicy,
} from 'cockatiel';
import {
  ErrorCodes,
  MeshError,
  ownerOf,
  type Criticality,
  type ReplyOf,
  type RequestOf,
  type RequestSubject,
} from '#contracts';
import { MeshClient } from '#mesh';
import { EDGE_CONFIG, type EdgeConfig } from '../edge.config.js';
import { EdgeMetrics } from '../metrics/edge-metrics.js';
import { Brownout } from '../fail-soft/brownout.js';

/** Consecutive calls failed for want of a replica that open a service's breaker. */
const OPEN_AFTER = 3;
/** Pause before a write that found no responder is tried again (a replica may be restarting). */
const NO_RESPONDERS_PAUSE_MS = 50;

const isTimeout = (e: unknown) => e instanceof MeshError && e.code === ErrorCodes.timeout;
const isNoResponders = (e: unknown) => e instanceof MeshError && e.code === ErrorCodes.noResponders;

@Injectable()
export class EdgeMesh {
  private readonly breakers = new Map<string, IPolicy>();
  /** When each open breaker (last) opened: optional reads skip the service until a probe is due. */
  private readonly openedAt = new Map<string, number>();

  constructor(
    @Inject(MeshClient) private readonly client: MeshClient,
    @Inject(EDGE_CONFIG) private readonly config: EdgeConfig,
    @Inject(EdgeMetrics) private readonly metrics: EdgeMetrics,
    @Optional() @Inject(Brownout) private readonly brownout?: Brownout,
  ) {}

  /** A query: short deadline, one retry on live replicas if it times out. */
  read<K extends RequestSubject>(subject: K, data: RequestOf<K>): Promise<ReplyOf<K>> {
    return this.guarded(subject, () => this.readOnce(subject, data, 'critical'));
  }

  /**
   * A command: a longer deadline (it may hash a password or write rows). `idempotencyKey` travels
   * to the service that writes, which stores it with the write (see MeshHeaders.idempotencyKey).
   * `idempotent`: the operation is idempotent by nature (applying it twice is applying it once),
   * so a timed-out try may be repeated without a key.
   */
  write<K extends RequestSubject>(
    subject: K,
    data: RequestOf<K>,
    opts: { idempotencyKey?: string; idempotent?: boolean } = {},
  ): Promise<ReplyOf<K>> {
    return this.guarded(subject, () => this.writeOnce(subject, data, opts.idempotencyKey, opts.idempotent ?? false));
  }

  /**
   * An optional read that is skipped (null) while its service's breaker is open: a degraded part
   * then costs no request and no thrown error at all.
   */
  async readOptional<K extends RequestSubject>(subject: K, data: RequestOf<K>): Promise<ReplyOf<K> | null> {
    const service = ownerOf(subject);
    if (this.brownout?.isBrownedOut(service)) {
      // Under pressure: left out as if down, without a request (see Brownout).
      this.metrics.nats(subject, 'brownout', 0, 'degradable');
      return null;
    }
    const openedAt = this.openedAt.get(service);
    if (openedAt !== undefined && Date.now() - openedAt < this.config.CIRCUIT_HALF_OPEN_AFTER_MS) {
      this.metrics.nats(subject, 'circuit-open', 0, 'degradable');
      return null;
    }
    try {
      // A stitched extra: a replica at its limit refuses it before the routes' own reads.
      return await this.guarded(subject, () => this.readOnce(subject, data, 'degradable'));
    } catch (err) {
      // Refused by a busy replica (and by the one asked after it): left out, as if down.
      if (err instanceof MeshError && (err.isUnavailability || err.code === ErrorCodes.overloaded)) return null;
      throw err;
    }
  }

  private readOnce<K extends RequestSubject>(
    subject: K,
    data: RequestOf<K>,
    criticality: Criticality,
  ): Promise<ReplyOf<K>> {
    return this.client.request(subject, data, {
      timeoutMs: this.config.READ_TIMEOUT_MS,
      retryOnTimeout: true,
      hedge: true,
      criticality,
    });
  }

  private async writeOnce<K extends RequestSubject>(
    subject: K,
    data: RequestOf<K>,
    idempotencyKey: string | undefined,
    idempotent: boolean,
  ): Promise<ReplyOf<K>> {
    // A write that timed out may have been applied: only its key, or its nature, makes another try safe.
    const retryOnTimeout = idempotent || idempotencyKey !== undefined;
    const opts = { timeoutMs: this.config.WRITE_TIMEOUT_MS, idempotencyKey, retryOnTimeout };
    try {
      return await this.client.request(subject, data, opts);
    } catch (err) {
      if (!isNoResponders(err)) throw err;
      // Nobody received it: trying again cannot apply it twice, key or not.
      this.metrics.retry(subject, 'no-responders');
      await new Promise((r) => setTimeout(r, NO_RESPONDERS_PAUSE_MS));
      return this.client.request(subject, data, opts);
    }
  }

  private async guarded<T>(subject: string, fn: () => Promise<T>): Promise<T> {
    const service = ownerOf(subject);
    try {
      return await this.breaker(service).execute(fn);
    } catch (err) {
      if (err instanceof BrokenCircuitError) {
        this.metrics.nats(subject, 'circuit-open', 0);
        const unserved = this.client.unservedError(service);
        throw new MeshError(ErrorCodes.unavailable, unserved.message, undefined, service);
      }
      throw err;
    }
  }

  /**
   * Two breakers in one policy: three "no responders" in a row (no replica at all) open it at
   * once; deadlines missed even after the retry open it only when they are most calls over a few
   * seconds (every replica frozen or overwhelmed), not for a few requests that a killed replica
   * took with it while its siblings answer everything else.
   */
  private breaker(service: string): IPolicy {
    let policy = this.breakers.get(service);
    if (!policy) {
      const open = new Set<CircuitBreakerPolicy>();
      const watch = (b: CircuitBreakerPolicy) => {
        b.onBreak(() => {
          this.metrics.breakerOpened(service);
          open.add(b);
          this.openedAt.set(service, Date.now());
        });
        b.onReset(() => {
          open.delete(b);
          if (open.size === 0) this.openedAt.delete(service);
        });
        return b;
      };
      const halfOpenAfter = this.config.CIRCUIT_HALF_OPEN_AFTER_MS;
      const gone = watch(
        circuitBreaker(handleWhen(isNoResponders), { halfOpenAfter, breaker: new ConsecutiveBreaker(OPEN_AFTER) }),
      );
      const stuck = watch(
        circuitBreaker(handleWhen(isTimeout), {
          halfOpenAfter,
          breaker: new SamplingBreaker({ threshold: 0.5, duration: 5000, minimumRps: 5 }),
        }),
      );
      policy = wrap(gone, stuck);
      this.breakers.set(service, policy);
    }
    return policy;
  }
}
