// The one way to call another service: typed by the contracts' RequestMap, always with a
// deadline, "no responders" failing at once, the request id carried in NATS headers.
import { randomUUID } from 'node:crypto';
import { headers as natsHeaders, type Msg, type NatsConnection } from '@nats-io/transport-node';
import {
  ErrorCodes,
  isMeshErrorPayload,
  MeshError,
  MeshHeaders,
  ownerOf,
  type ReplyOf,
  type RequestOf,
  type RequestSubject,
} from '#contracts';
import { requestContext, TRACEPARENT } from '#runtime';
import { ReplicaDirectory } from './replica-directory.js';
import { notServingDetail } from './not-serving.js';
import { NoReplicas, ReplyInbox, ReplyTimeout } from './reply-inbox.js';
import { DEFAULT_RETRY_BUDGET, RetryBudget, type RetryBudgetOptions } from './retry-budget.js';
import { directSubject, type ReplyPacket } from './wire.js';

export type RequestOutcome = 'ok' | 'error' | 'timeout' | 'no-responders';

export interface MeshClientOptions {
  /** Deadline of a request that names none. */
  defaultTimeoutMs: number;
  /** Called once per request, for metrics. */
  onOutcome?: (subject: string, outcome: RequestOutcome, durationMs: number) => void;
  /** Which replicas answered lately, for `retryOnTimeout` (without it, the queue group is asked again). */
  replicas?: ReplicaDirectory;
  /** Called when a timed-out request is asked again of the live replicas. */
  onRetry?: (subject: string) => void;
  /** Called when a retry was not sent because the service's retry budget is spent. */
  onRetryRefused?: (subject: string) => void;
  /** How many retries may go out per service (see RetryBudget). */
  retryBudget?: RetryBudgetOptions;
}

/** At most this many live replicas are asked at once by a retry. */
const RETRY_FAN_OUT = 3;
/** How long after a timeout first tries go to live replicas directly rather than to the queue group. */
const SUSPECT_MS = 10_000;
/**
 * A request not answered after half its deadline, or after this long if sooner, asks the
 * directory whether a replica of its service has just vanished (killed with the request in its
 * hands); if so it is asked again of the live replicas at once rather than at the deadline.
 */
const VANISHED_CHECK_MAX_MS = 100;

const isTransport = (e: unknown): e is MeshError => e instanceof MeshError && e.isUnavailability;
const isTimeout = (e: unknown) => e instanceof MeshError && e.code === ErrorCodes.timeout;

/** A direct try's outcome: an answer (even a domain error) settles the retry; a transport failure does not. */
type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

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
}

export class MeshClient {
  private readonly inbox: ReplyInbox;
  /** Services with a replica that recently let a request time out, until when. */
  private readonly suspectUntil = new Map<string, number>();
  private readonly budgets = new Map<string, RetryBudget>();
  private turn = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly options: MeshClientOptions,
  ) {
    this.inbox = new ReplyInbox(nc);
  }

  get connection(): NatsConnection {
    return this.nc;
  }

  async request<K extends RequestSubject>(
    subject: K,
    data: RequestOf<K>,
    opts: RequestOptions = {},
  ): Promise<ReplyOf<K>> {
    if (!opts.retryOnTimeout) return this.send(subject, subject, data, opts);
    const service = ownerOf(subject);
    this.budget(service).deposit();
    return this.hedged(service, subject, data, opts);
  }

  private budget(service: string): RetryBudget {
    let b = this.budgets.get(service);
    if (!b) this.budgets.set(service, (b = new RetryBudget(this.options.retryBudget ?? DEFAULT_RETRY_BUDGET)));
    return b;
  }

  /**
   * The first try, and at its deadline (not answered yet) the retry on the live replicas; the
   * first try is not abandoned meanwhile: a replica that is merely slow (a survivor taking a
   * killed sibling's load) may still answer first. The first answer of either wins (a domain
   * error is an answer); a transport failure of the first try before its deadline is final.
   * Retries come out of the service's RetryBudget: when it is spent, the first try alone goes on.
   */
  private hedged<K extends RequestSubject>(
    service: string,
    subject: K,
    data: RequestOf<K>,
    opts: RequestOptions,
  ): Promise<ReplyOf<K>> {
    const deadline = opts.timeoutMs ?? this.options.defaultTimeoutMs;
    return new Promise<ReplyOf<K>>((resolve, reject) => {
      let done = false;
      let failures = 0;
      let tries = 1;
      /** One timer per request: the vanished-replica check, then the retry at the deadline. */
      let timer: NodeJS.Timeout | undefined;
      const answer = (value: ReplyOf<K>) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve(value);
      };
      const fail = (err: unknown) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      };
      // Made only when needed: an Error per request (with its stack) would cost every read.
      const timedOut = () =>
        new MeshError(ErrorCodes.timeout, `${service} did not answer within ${deadline} ms`, undefined, service);
      /** Sends the retry unless the service's retry budget is spent; answers whether it did. */
      const retry = (): boolean => {
        if (done) return false;
        // Some replica of this service holds requests without answering (frozen, or killed with
        // them): for a while, send to the replicas known alive instead of the queue group, which
        // would keep handing that replica its share until NATS drops its connection.
        this.suspectUntil.set(service, Date.now() + SUSPECT_MS);
        if (!this.budget(service).tryWithdraw()) {
          // Overloaded rather than broken, most likely: the first try keeps waiting instead.
          this.options.onRetryRefused?.(subject);
          return false;
        }
        tries++;
        this.options.onRetry?.(subject);
        this.onLiveReplicas(subject, data, opts, timedOut()).then(answer, (err: unknown) => {
          if (!isTransport(err)) return fail(err);
          if (++failures === tries) fail(timedOut());
        });
        return true;
      };
      // Keyed writes too: if the vanished replica held this one, its transaction died with its
      // connection; if another replica still runs it, the retry waits on the key and answers
      // the first try's reply (IdempotentWrites).
      const replicas = this.options.replicas;
      const checkAfter = replicas ? Math.min(deadline / 2, VANISHED_CHECK_MAX_MS) : deadline;
      timer = setTimeout(() => {
        if (!replicas) return void retry();
        timer = setTimeout(retry, deadline - checkAfter);
        void replicas.vanished(service).then((gone) => {
          if (gone && !done && tries === 1 && retry()) clearTimeout(timer);
        });
      }, checkAfter);
      this.firstTry(service, subject, data, { ...opts, timeoutMs: 2 * deadline }).then(answer, (err: unknown) => {
        if (!isTransport(err)) return fail(err);
        if (!isTimeout(err) && tries === 1) return fail(err); // no responders, unreachable: final
        if (tries === 1) {
          clearTimeout(timer);
          retry();
        }
        if (++failures === tries) fail(timedOut());
      });
    });
  }

  /**
   * The queue group; or, while the service is suspect (a timeout lately, or a replica that
   * stopped answering pings and may still be in the queue group), one live replica in turn.
   */
  private async firstTry<K extends RequestSubject>(
    service: string,
    subject: K,
    data: RequestOf<K>,
    opts: RequestOptions,
  ): Promise<ReplyOf<K>> {
    const replicas = this.options.replicas;
    if (!replicas) return this.send(subject, subject, data, opts);
    const until = this.suspectUntil.get(service);
    if (until !== undefined && until < Date.now()) this.suspectUntil.delete(service);
    // Suspect: a request timed out lately, or a replica stopped answering pings without leaving.
    if (!(until !== undefined && until >= Date.now()) && !replicas.hasStale(service)) {
      return this.send(subject, subject, data, opts);
    }
    const ids = replicas.alive(service, 100);
    if (ids.length === 0) return this.send(subject, subject, data, opts);
    const id = ids[this.turn++ % ids.length];
    try {
      return await this.requestReplica(subject, id, data, opts);
    } catch (err) {
      if (!(err instanceof MeshError && err.code === ErrorCodes.noResponders)) throw err;
      // That replica is gone (killed): the queue group has whoever is left.
      replicas.forget(service, id);
      return this.send(subject, subject, data, opts);
    }
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

  private async onLiveReplicas<K extends RequestSubject>(
    subject: K,
    data: RequestOf<K>,
    opts: RequestOptions,
    firstError: unknown,
  ): Promise<ReplyOf<K>> {
    const service = ownerOf(subject);
    const replicas = this.options.replicas;
    // Without a directory (or with no replica heard from lately) the queue group is asked again.
    const ids = replicas?.alive(service, RETRY_FAN_OUT) ?? [];
    if (!replicas || ids.length === 0) return this.send(subject, subject, data, opts);
    const tries = ids.map((id) =>
      this.requestReplica(subject, id, data, opts).then(
        (value): Settled<ReplyOf<K>> => ({ ok: true, value }),
        (error: unknown): Settled<ReplyOf<K>> => {
          if (error instanceof MeshError && error.code === ErrorCodes.noResponders) replicas.forget(service, id);
          // Transport failures leave the others to answer; a domain error is the answer.
          if (isTransport(error)) throw error;
          return { ok: false, error };
        },
      ),
    );
    let settled: Settled<ReplyOf<K>>;
    try {
      settled = await Promise.any(tries);
    } catch (err) {
      // No replica answered: the deadline (rather than a vanished replica) explains it.
      const errors = err instanceof AggregateError ? (err.errors as unknown[]) : [];
      throw errors.find(isTimeout) ?? firstError;
    }
    if (settled.ok) return settled.value;
    throw settled.error;
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
    const h = natsHeaders();
    h.set(MeshHeaders.requestId, requestId);
    h.set(MeshHeaders.deadline, String(Date.now() + timeout));
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
      this.options.onOutcome?.(subject, outcome, performance.now() - started);
      throw this.mapTransportError(subject, err, timeout);
    }
    let packet: ReplyPacket<ReplyOf<K>>;
    try {
      packet = msg.json<ReplyPacket<ReplyOf<K>>>();
    } catch {
      this.options.onOutcome?.(subject, 'error', performance.now() - started);
      throw new MeshError(ErrorCodes.internal, `unreadable reply on ${subject}`, undefined, ownerOf(subject));
    }
    if (packet.err !== undefined && packet.err !== null) {
      this.options.onOutcome?.(subject, 'error', performance.now() - started);
      if (isMeshErrorPayload(packet.err)) throw MeshError.fromPayload(packet.err, ownerOf(subject));
      throw new MeshError(ErrorCodes.internal, `${subject} failed`, undefined, ownerOf(subject));
    }
    this.options.onOutcome?.(subject, 'ok', performance.now() - started);
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
