// The one way to call another service: typed by the contracts' RequestMap, always with a
// deadline, "no responders" failing at once, the request id carried in NATS headers.
import { randomUUID } from 'node:crypto';
import { headers as natsHeaders, type Msg, type NatsConnection } from '@nats-io/transport-node';
import {
  ErrorCodes,
  isMeshErrorPayload,
  leastCritical,
  MeshError,
  MeshHeaders,
  ownerOf,
  type Criticality,
  type ReplyOf,
  type RequestOf,
  type RequestSubject,
} from '#contracts';
import { requestContext, TRACEPARENT } from '#runtime';
import { HedgedRequest, type HedgedRequestTries } from './hedged-request.js';
import { SubjectLatency } from './subject-latency.js';
import { ReplicaDirectory } from './replica-directory.js';
import { ReplicaLoad } from './replica-load.js';
import { ReplicaRouter } from './replica-router.js';
import { notServingDetail } from './not-serving.js';
import { NoReplicas, ReplyInbox, ReplyTimeout } from './reply-inbox.js';
import { DEFAULT_RETRY_BUDGET, RetryBudget, type RetryBudgetOptions } from './retry-budget.js';
import { directSubject, type ReplyPacket } from './wire.js';

/** `overloaded`: a replica refused it at its concurrency limit (an answer, counted apart from `error`). */
export type RequestOutcome = 'ok' | 'error' | 'overloaded' | 'timeout' | 'no-responders';

export interface MeshClientOptions {
  /** Deadline of a request that names none. */
  defaultTimeoutMs: number;
  /**
   * Called once per NATS request, for metrics: a `retryOnTimeout` request's first try and each
   * replica its retry asked count apiece (a first try outrun by its retry still reports its own
   * late answer or timeout).
   */
  onOutcome?: (subject: string, outcome: RequestOutcome, durationMs: number, criticality: Criticality) => void;
  /** Which replicas answered lately, for `retryOnTimeout` (without it, the queue group is asked again). */
  replicas?: ReplicaDirectory;
  /**
   * Called when a request is asked again: of the live replicas after a timeout, or of another
   * replica after one refused it `overloaded`.
   */
  onRetry?: (subject: string, cause: 'timeout' | 'overloaded') => void;
  /**
   * Called when a retry was not sent because the service's retry budget is spent; a request may
   * be refused more than once (at the vanished-replica check, the deadline, its first try's timeout).
   */
  onRetryRefused?: (subject: string) => void;
  /** How many retries may go out per service (see RetryBudget). */
  retryBudget?: RetryBudgetOptions;
  /**
   * Reads marked `hedge` still unanswered at about their subject's p95 are asked of one other
   * replica, within this budget per service (ratio 0.05: at most 5 % more requests); absent: no
   * early hedges (the deadline's retry only).
   */
  hedging?: { ratio: number; cap: number };
  /** Called when a read was hedged at its subject's p95. */
  onHedge?: (subject: string) => void;
  /**
   * Needs `replicas`: the tries of requests marked `retryOnTimeout` go to the less loaded of two
   * live replicas by their own subjects (outstanding requests × a fading latency; ReplicaLoad)
   * instead of to the queue group, which picks at random whatever a replica's load.
   */
  balance?: boolean;
}

export interface RequestOptions {
  timeoutMs?: number;
  requestId?: string;
  /** Sent as MeshHeaders.idempotencyKey: the same key on a retry makes the write apply once. */
  idempotencyKey?: string;
  /**
   * When the deadline passes, ask once more, at once, every replica heard from lately (up to
   * three), each on its own direct subject; the first answer wins. The queue group alone could
   * hand the retry to the same frozen replica. Only for requests that are safe to repeat: reads,
   * and writes with an idempotency key.
   */
  retryOnTimeout?: boolean;
  /**
   * Sent as MeshHeaders.criticality (default critical). Inside a request that has one of its
   * own (a service's onward call), the less critical of the two is sent.
   */
  criticality?: Criticality;
  /** With `retryOnTimeout`, a read: hedged early at its subject's p95 when the client hedges (MeshClientOptions.hedging). */
  hedge?: boolean;
}

/** An `overloaded` refusal is asked again of at most this many other replicas. */
const OVERLOAD_RETRIES = 2;
/** …and only while this much of the deadline is left (less would only time out there). */
const OVERLOAD_RETRY_MIN_MS = 10;
/** Every replica heard from lately, to pick one that has not refused. */
const ALL_REPLICAS = 100;

const isOverloaded = (e: unknown): e is MeshError => e instanceof MeshError && e.code === ErrorCodes.overloaded;

export class MeshClient {
  private readonly inbox: ReplyInbox;
  private readonly router: ReplicaRouter;
  private readonly budgets = new Map<string, RetryBudget>();
  private readonly hedgeBudgets = new Map<string, RetryBudget>();
  /** Each subject's recent p95, for early hedges (only when the client hedges). */
  private readonly latencies = new Map<string, SubjectLatency>();
  private turn = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly options: MeshClientOptions,
  ) {
    this.inbox = new ReplyInbox(nc);
    this.router = new ReplicaRouter(options.replicas, undefined, options.balance ? new ReplicaLoad() : undefined);
  }

  get connection(): NatsConnection {
    return this.nc;
  }

  async request<K extends RequestSubject>(
    subject: K,
    data: RequestOf<K>,
    opts: RequestOptions = {},
  ): Promise<ReplyOf<K>> {
    const service = ownerOf(subject);
    const deadlineAt = Date.now() + (opts.timeoutMs ?? this.options.defaultTimeoutMs);
    this.budget(service).deposit();
    try {
      if (!opts.retryOnTimeout) return await this.send(subject, subject, data, opts);
      return await this.hedged(service, subject, data, opts);
    } catch (err) {
      if (!isOverloaded(err) || !this.options.replicas) throw err;
      return this.elsewhere(service, subject, data, opts, err, deadlineAt);
    }
  }

  /**
   * A replica refused the request `overloaded`: it did not start the work, so asking another is
   * safe even for a write without a key. Another replica heard from lately, never one that
   * refused (by its own subject: the queue group could pick the same one), within the service's
   * retry budget and what is left of the deadline; else the refusal is the answer.
   */
  private async elsewhere<K extends RequestSubject>(
    service: string,
    subject: K,
    data: RequestOf<K>,
    opts: RequestOptions,
    refusal: MeshError,
    deadlineAt: number,
  ): Promise<ReplyOf<K>> {
    const refused = new Set<string>();
    let last = refusal;
    for (let i = 0; i < OVERLOAD_RETRIES; i++) {
      // Without its replica's name (identity's hashing queue), another try might reach the same one.
      const who = last.hint.replica;
      if (who === undefined) break;
      refused.add(who);
      const left = deadlineAt - Date.now();
      if (left < OVERLOAD_RETRY_MIN_MS) break;
      const others = this.options.replicas!.alive(service, ALL_REPLICAS).filter((id) => !refused.has(id));
      if (others.length === 0) break;
      if (!this.budget(service).tryWithdraw()) {
        this.options.onRetryRefused?.(subject);
        break;
      }
      const next = others[this.turn++ % others.length];
      this.options.onRetry?.(subject, 'overloaded');
      try {
        return await this.send(subject, directSubject(subject, next), data, { ...opts, timeoutMs: left });
      } catch (err) {
        if (!isOverloaded(err)) throw err;
        last =
          err.hint.replica === undefined
            ? new MeshError(err.code, err.message, err.errors, err.service, { ...err.hint, replica: next })
            : err;
      }
    }
    throw last;
  }

  private hedgeBudget(service: string): RetryBudget {
    let b = this.hedgeBudgets.get(service);
    if (!b) {
      const { ratio, cap } = this.options.hedging!;
      this.hedgeBudgets.set(service, (b = new RetryBudget({ ratio, cap, minPerSecond: 0 })));
    }
    return b;
  }

  /** The p95 a hedge waits for; undefined while unknown (no early hedge then). */
  p95Ms(subject: string): number | undefined {
    return this.latencies.get(subject)?.p95Ms;
  }

  private budget(service: string): RetryBudget {
    let b = this.budgets.get(service);
    if (!b) this.budgets.set(service, (b = new RetryBudget(this.options.retryBudget ?? DEFAULT_RETRY_BUDGET)));
    return b;
  }

  /**
   * The first try, and the retry racing it (see HedgedRequest): the first try waits twice the
   * deadline, the retry one; ReplicaRouter picks the subjects they go to.
   */
  private hedged<K extends RequestSubject>(
    service: string,
    subject: K,
    data: RequestOf<K>,
    opts: RequestOptions,
  ): Promise<ReplyOf<K>> {
    const replicas = this.options.replicas;
    const waiting =
      (timeoutMs: number) =>
      (target: string): Promise<ReplyOf<K>> =>
        this.send(subject, target, data, { ...opts, timeoutMs });
    // One shape for every request, hedged or not (no spread of optional fields): this runs for
    // every read the edge makes, and a spread of two shapes showed in its CPU profile.
    const hedges = opts.hedge && this.options.hedging ? this.hedgeBudget(service) : undefined;
    hedges?.deposit();
    const tries: HedgedRequestTries<ReplyOf<K>> = {
      service,
      deadlineMs: opts.timeoutMs ?? this.options.defaultTimeoutMs,
      first: (timeoutMs) => this.router.firstTry(service, subject, waiting(timeoutMs)),
      retry: (timeoutMs) => this.router.retry(service, subject, waiting(timeoutMs)),
      vanished: replicas ? (since) => replicas.vanished(service, since) : undefined,
      withdrawRetry: () => this.budget(service).tryWithdraw(),
      suspect: () => this.router.suspect(service),
      onRetry: () => this.options.onRetry?.(subject, 'timeout'),
      onRetryRefused: () => this.options.onRetryRefused?.(subject),
      hedgeAfterMs: hedges ? this.p95Ms(subject) : undefined,
      withdrawHedge: hedges ? () => hedges.tryWithdraw() : undefined,
      hedge: hedges ? (timeoutMs) => this.router.hedge(service, subject, waiting(timeoutMs)) : undefined,
      onHedge: hedges ? () => this.options.onHedge?.(subject) : undefined,
    };
    return new HedgedRequest<ReplyOf<K>>(tries).run();
  }

  private latencyOf(subject: string): SubjectLatency {
    let l = this.latencies.get(subject);
    if (!l) this.latencies.set(subject, (l = new SubjectLatency()));
    return l;
  }

  /** The same request, to one replica by its id (see directSubject), bypassing the queue group. */
  requestReplica<K extends RequestSubject>(
    subject: K,
    replicaId: string,
    data: RequestOf<K>,
    opts: RequestOptions = {},
  ): Promise<ReplyOf<K>> {
    return this.send(subject, directSubject(subject, replicaId), data, opts);
  }

  private async send<K extends RequestSubject>(
    subject: K,
    target: string,
    data: RequestOf<K>,
    opts: RequestOptions,
  ): Promise<ReplyOf<K>> {
    const ctx = requestContext.getStore();
    // A service asking another on behalf of its own caller never waits past that caller's
    // deadline: once the caller has given up, the answer is useless.
    const wanted = opts.timeoutMs ?? this.options.defaultTimeoutMs;
    const timeout = ctx?.deadline === undefined ? wanted : Math.max(1, Math.min(wanted, ctx.deadline - Date.now()));
    const requestId = opts.requestId ?? ctx?.requestId ?? randomUUID();
    const inherited = ctx?.criticality;
    const asked = opts.criticality ?? 'critical';
    const criticality = inherited === undefined ? asked : leastCritical(asked, inherited);
    const h = natsHeaders();
    h.set(MeshHeaders.requestId, requestId);
    h.set(MeshHeaders.deadline, String(Date.now() + timeout));
    if (criticality !== 'critical') h.set(MeshHeaders.criticality, criticality);
    if (opts.idempotencyKey !== undefined) h.set(MeshHeaders.idempotencyKey, opts.idempotencyKey);
    if (ctx?.traceparent !== undefined) h.set(TRACEPARENT, ctx.traceparent);
    const body = JSON.stringify({ id: requestId, pattern: subject, data });
    const started = performance.now();
    let msg: Msg;
    try {
      msg = await this.inbox.request(target, body, timeout, h);
    } catch (err) {
      // The outcome is what happened on the wire, whatever the error then says.
      const outcome = err instanceof NoReplicas ? 'no-responders' : err instanceof ReplyTimeout ? 'timeout' : 'error';
      this.options.onOutcome?.(subject, outcome, performance.now() - started, criticality);
      throw this.mapTransportError(subject, err, timeout);
    }
    let packet: ReplyPacket<ReplyOf<K>>;
    try {
      packet = msg.json<ReplyPacket<ReplyOf<K>>>();
    } catch {
      this.options.onOutcome?.(subject, 'error', performance.now() - started, criticality);
      throw new MeshError(ErrorCodes.internal, `unreadable reply on ${subject}`, undefined, ownerOf(subject));
    }
    if (packet.err !== undefined && packet.err !== null) {
      const refused = (packet.err as { code?: unknown }).code === ErrorCodes.overloaded;
      this.options.onOutcome?.(subject, refused ? 'overloaded' : 'error', performance.now() - started, criticality);
      if (isMeshErrorPayload(packet.err)) throw MeshError.fromPayload(packet.err, ownerOf(subject));
      throw new MeshError(ErrorCodes.internal, `${subject} failed`, undefined, ownerOf(subject));
    }
    const ms = performance.now() - started;
    this.options.onOutcome?.(subject, 'ok', ms, criticality);
    if (this.options.hedging && opts.hedge) this.latencyOf(subject).record(ms);
    return packet.response as ReplyOf<K>;
  }

  /**
   * What a caller is told when no replica of `service` takes requests: `unavailable` with the
   * reason when a replica of it is in the mesh and said why it does not serve yet ("posts cannot
   * reach its database"); else `no_responders`, "no replica of posts is running".
   */
  unservedError(service: string): MeshError {
    const why = this.options.replicas?.notServing(service);
    if (why) return new MeshError(ErrorCodes.unavailable, notServingDetail(service, why), undefined, service);
    return new MeshError(ErrorCodes.noResponders, `no replica of ${service} is running`, undefined, service);
  }

  private mapTransportError(subject: string, err: unknown, timeout: number): MeshError {
    const service = ownerOf(subject);
    if (err instanceof NoReplicas) return this.unservedError(service);
    if (err instanceof ReplyTimeout) {
      return new MeshError(ErrorCodes.timeout, `${service} did not answer within ${timeout} ms`, undefined, service);
    }
    const message = err instanceof Error ? err.message : String(err);
    return new MeshError(ErrorCodes.unavailable, `${service} could not be reached: ${message}`, undefined, service);
  }
}

/**
 * What a service rethrows when another service it depends on failed: an unavailability becomes
 * `unavailable` still naming the service that is really down (so the edge's 503 blames the
 * right part of the mesh); anything else passes through unchanged.
 */
export function asDependencyFailure(err: unknown, message: string): unknown {
  if (err instanceof MeshError && err.isUnavailability) {
    return new MeshError(ErrorCodes.unavailable, message, undefined, err.service);
  }
  return err;
}

/**
 * The client a service asks other services with: its reads, marked `retryOnTimeout`, are asked
 * again of the live replicas when one replica does not answer in time, as the edge's are.
 */
export function serviceMeshClient(nc: NatsConnection, defaultTimeoutMs: number): MeshClient {
  return new MeshClient(nc, {
    defaultTimeoutMs,
    replicas: new ReplicaDirectory(nc, { intervalMs: 1000, freshMs: 2500 }).start(),
  });
}
