// Nest's NATS transport, made fit for the mesh: every handler is an endpoint of NATS's service
// API (so `$SRV.PING/INFO/STATS` and `nats micro ls` see each replica) in the queue group named
// after the service; replies carry typed error codes; stop() drains instead of sleeping.
import { hostname } from 'node:os';
import { ServerNats, NatsContext } from '@nestjs/microservices';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { Svcm, type Service } from '@nats-io/services';
import { isObservable, lastValueFrom } from 'rxjs';
import type { MessageHandler } from '@nestjs/microservices';
import type { Logger } from 'pino';
import { ErrorCodes, MeshHeaders, NATS_MAX_PAYLOAD_BYTES, parseCriticality, type Criticality } from '#contracts';
import { minorityWatchFor, natsConnectOptions } from './nats-connection.js';
import type { MinorityWatch } from './minority-watch.js';
import {
  deadlineCounters,
  requestContext,
  type RequestContext,
  endSpan,
  startSpan,
  TRACEPARENT,
  traceparentOf,
  tracingEnabled,
} from '#runtime';
import { isServerFault, toErrorPayload, type ErrorClassifier } from './error-payload.js';
import { EndpointStats } from './endpoint-stats.js';
import { directSubject, type ReplyPacket, type RequestPacket } from './wire.js';
import { PublishBatch } from './publish-batch.js';
import { Admission, DEFAULT_ADMISSION, type AdmissionOptions, type RefusalCounts } from './admission.js';

/** `answer`'s outcome when the request had expired: it never ran, so it says nothing of latency. */
const EXPIRED = 'expired';

export interface MeshServerOptions {
  service: string;
  version: string;
  natsUrl: string;
  logger: Logger;
  /** Longest a stop waits for in-flight handlers before closing anyway. */
  drainTimeoutMs: number;
  pingIntervalMs?: number;
  /** See NATS_SERVER_ORDER. */
  natsServerOrder?: 'random' | 'listed';
  natsUser?: string;
  natsPassword?: string;
  classifyError?: ErrorClassifier;
  /** The concurrency limit and admission by criticality (DEFAULT_ADMISSION for what is not given). */
  admission?: Partial<AdmissionOptions>;
}

/** What the replica's limiter is doing, for $SRV.STATS, GET /mesh and the board. */
export interface OverloadFigures {
  enabled: boolean;
  limit: number;
  inFlight: number;
  /** Requests refused `overloaded`, by criticality. */
  refused: RefusalCounts;
  /** Requests whose deadline had passed when this replica took them up (not run). */
  expiredOnArrival: number;
  /** Database queries not sent because their request's deadline had passed (libs/persistence). */
  expiredBeforeQuery: number;
}

export class MeshServer extends ServerNats {
  private svc: Service | undefined;
  private readonly stats = new Map<string, EndpointStats>();
  /** Handlers looked up once at start, not per message (Nest's lookup normalises each time). */
  private readonly handlers = new Map<string, MessageHandler>();
  /** This replica's own subjects (no queue group): where a caller retries past a slow sibling. */
  private readonly direct: Subscription[] = [];
  private inFlight = 0;
  private expiredOnArrival = 0;
  readonly admission: Admission;
  private idleWaiters: Array<() => void> = [];
  private closing: Promise<void> | undefined;
  readonly startedAt = new Date();
  /** Leaves a NATS node on the minority side of a partition (docs/drills.md, "many hosts"). */
  readonly minorityWatch: MinorityWatch;

  constructor(private readonly mesh: MeshServerOptions) {
    const minorityWatch = minorityWatchFor(mesh.natsUrl, mesh.logger);
    super({
      ...natsConnectOptions({
        url: mesh.natsUrl,
        name: mesh.service,
        pingIntervalMs: mesh.pingIntervalMs,
        serverOrder: mesh.natsServerOrder,
        user: mesh.natsUser,
        password: mesh.natsPassword,
        minorityWatch,
      }),
      queue: mesh.service,
    });
    this.admission = new Admission({ ...DEFAULT_ADMISSION, ...mesh.admission });
    this.minorityWatch = minorityWatch;
  }

  overloadFigures(): OverloadFigures {
    const a = this.admission;
    return {
      enabled: a.o.enabled,
      limit: a.limiter.limit,
      inFlight: a.inFlight,
      refused: { ...a.refused },
      expiredOnArrival: this.expiredOnArrival,
      expiredBeforeQuery: deadlineCounters.expiredBeforeQuery,
    };
  }

  /** The replica id NATS's service API gave this process (as `nats micro ls` shows it). */
  get replicaId(): string | undefined {
    return this.svc?.info().id;
  }

  get connection(): NatsConnection {
    return this.unwrap<NatsConnection>();
  }

  override start(callback: (err?: unknown) => void): void {
    this.minorityWatch.watch(this.connection);
    this.register(this.connection).then(
      () => callback(),
      (err: unknown) => callback(err),
    );
  }

  private async register(nc: NatsConnection): Promise<void> {
    const { service, version } = this.mesh;
    // @nats-io/services pins an older nats-core; the connection object is the same protocol.
    const svc = await new Svcm(nc as never).add({
      name: service,
      version,
      queue: service,
      metadata: { pid: String(process.pid), host: hostname(), startedAt: this.startedAt.toISOString() },
      // Each endpoint's data carries the replica's limiter figures too (the service API has no
      // per-replica data of its own): discovery reads them from the first endpoint.
      statsHandler: (endpoint) => {
        const figures = this.stats.get(endpoint.subject)?.writeInto((endpoint as unknown as { stats: unknown }).stats);
        return Promise.resolve(figures ? { ...figures, overload: this.overloadFigures() } : null);
      },
    });
    this.svc = svc;
    this.mesh.logger.setBindings({ replica: svc.info().id });
    for (const subject of this.messageHandlers.keys()) {
      this.stats.set(subject, new EndpointStats());
      const handler = this.getHandlerByPattern(subject);
      if (handler) this.handlers.set(subject, handler);
      svc.addEndpoint(subject.replace(/[^A-Za-z0-9_-]/g, '-'), {
        subject,
        queue: service,
        handler: (err, msg) => {
          if (err) {
            this.mesh.logger.error({ err }, 'endpoint subscription failed');
            return;
          }
          void this.track(subject, msg as unknown as Msg);
        },
      });
      this.direct.push(
        nc.subscribe(directSubject(subject, svc.info().id), {
          callback: (err, msg) => {
            if (err === null) void this.track(subject, msg);
          },
        }),
      );
    }
    this.mesh.logger.info({ subjects: [...this.messageHandlers.keys()] }, 'joined the mesh');
    const maxPayload = nc.info?.max_payload;
    if (maxPayload !== undefined && maxPayload < NATS_MAX_PAYLOAD_BYTES) {
      // Pages are budgeted for nats-server's default (PAGE_BUDGET_BYTES): below it, a page of
      // long texts is answered reply_too_large instead of being served.
      this.mesh.logger.warn(
        { maxPayload, sizedFor: NATS_MAX_PAYLOAD_BYTES },
        "the server's max_payload is below what replies are sized for",
      );
    }
  }

  private async track(subject: string, msg: Msg): Promise<void> {
    const criticality = parseCriticality(msg.headers?.get(MeshHeaders.criticality));
    const held = this.admission.inFlight;
    if (!this.admission.tryAcquire(criticality)) {
      this.refuse(msg);
      return;
    }
    this.inFlight++;
    const started = performance.now();
    let fault: boolean | typeof EXPIRED = false;
    try {
      fault = await this.answer(subject, msg, criticality);
    } catch (err) {
      fault = true;
      this.mesh.logger.error({ err }, 'failed to answer');
    } finally {
      const ms = performance.now() - started;
      this.stats.get(subject)?.record(ms, fault === true);
      // An expired request took no time of its own: it would drag the latency down.
      this.admission.release(ms, fault === EXPIRED ? undefined : held + 1);
      if (--this.inFlight === 0) this.idleWaiters.splice(0).forEach((w) => w());
    }
  }

  /**
   * The replica holds all the requests its limit allows for this one's criticality: refused at
   * once, before its body is even read, so the caller can ask another replica while there is time.
   */
  private refuse(msg: Msg): void {
    if (!msg.reply) return; // an event: nobody to tell; its publisher does not wait
    const err = {
      code: ErrorCodes.overloaded,
      message: `${this.mesh.service} is at its concurrency limit; try another replica or again later`,
      service: this.mesh.service,
      retryAfterMs: this.admission.o.retryAfterMs,
      replica: this.replicaId,
    };
    this.reply(msg, { err, isDisposed: true });
  }

  /** Runs the Nest handler for one message and replies; resolves to whether it was our fault. */
  private async answer(subject: string, msg: Msg, criticality: Criticality): Promise<boolean | typeof EXPIRED> {
    let packet: RequestPacket;
    try {
      packet = msg.json<RequestPacket>();
    } catch {
      this.reply(msg, { err: { code: ErrorCodes.invalid, message: 'request is not JSON' }, isDisposed: true });
      return false;
    }
    const requestId = msg.headers?.get(MeshHeaders.requestId) || String(packet.id ?? '');
    const deadline = Number(msg.headers?.get(MeshHeaders.deadline)) || undefined;
    const idempotencyKey = msg.headers?.get(MeshHeaders.idempotencyKey) || undefined;
    if (deadline !== undefined && deadline < Date.now()) {
      // The caller has already given up (and may have retried elsewhere): doing the work now
      // would only compete with the retry.
      this.expiredOnArrival++;
      this.mesh.logger.warn({ requestId, subject }, 'skipped a request whose deadline had passed');
      return EXPIRED;
    }
    const handler = this.handlers.get(subject);
    const ctx = new NatsContext([msg.subject, msg.headers as never]);
    const span = tracingEnabled()
      ? startSpan(subject, 'server', msg.headers?.get(TRACEPARENT) || undefined, {
          'messaging.system': 'nats',
          'messaging.destination.name': subject,
          'failsoft.request_id': requestId,
          'failsoft.criticality': criticality,
        })
      : undefined;
    const store: RequestContext = span
      ? {
          requestId,
          deadline,
          idempotencyKey,
          criticality,
          traceparent: traceparentOf(span),
          traceId: span.spanContext().traceId,
        }
      : { requestId, deadline, idempotencyKey, criticality };
    let fault = true;
    try {
      fault = await this.handle(subject, msg, packet, handler, ctx, store);
      return fault;
    } finally {
      endSpan(span, fault);
    }
  }

  private handle(
    subject: string,
    msg: Msg,
    packet: RequestPacket,
    handler: MessageHandler | undefined,
    ctx: NatsContext,
    store: RequestContext,
  ): Promise<boolean> {
    return requestContext.run(store, async () => {
      if (!handler) {
        this.reply(msg, { id: packet.id, err: { code: ErrorCodes.internal, message: 'no handler' }, isDisposed: true });
        return true;
      }
      if (packet.id === undefined || !msg.reply) {
        await this.handleEvent(subject, packet, ctx);
        return false;
      }
      try {
        // Nest's handler resolves to the value, or to an Observable (an interceptor's, or the
        // exception filter's throwError); only the latter needs RxJS.
        let response: unknown = await handler(packet.data, ctx);
        if (isObservable(response)) response = await lastValueFrom(response, { defaultValue: null });
        const sent = this.reply(msg, { id: packet.id, response: response ?? null, isDisposed: true });
        this.mesh.logger.debug({ subject, outcome: sent ? 'ok' : ErrorCodes.replyTooLarge }, 'handled');
        return !sent;
      } catch (err) {
        const payload = toErrorPayload(err, this.mesh.classifyError);
        const sent = this.reply(msg, { id: packet.id, err: payload, isDisposed: true });
        this.mesh.logger.debug({ subject, outcome: sent ? payload.code : ErrorCodes.replyTooLarge }, 'handled');
        return !sent || isServerFault(payload);
      }
    });
  }

  /**
   * Sends `packet`, batched with the other replies and requests of this turn (PublishBatch: one
   * socket write). One larger than the server's max_payload cannot be sent, and nats.js would
   * only throw at the flush, long after the handler returned: the caller would wait out its
   * deadline, retry, and count a timeout against the service. So it is measured here and
   * answered with `reply_too_large` at once instead; false when that happened.
   */
  private reply(msg: Msg, packet: ReplyPacket): boolean {
    const to = msg.reply;
    if (!to) return true;
    const nc = this.connection;
    const payload = JSON.stringify(packet);
    const max = nc.info?.max_payload ?? Infinity;
    // A UTF-16 unit is at most 3 bytes of UTF-8: most replies are measured without counting.
    const bytes = payload.length * 3 <= max ? payload.length : Buffer.byteLength(payload);
    if (bytes > max) {
      this.tooLarge(nc, to, packet, bytes, max);
      return false;
    }
    PublishBatch.of(nc).publish(to, payload, {}, (err) => {
      // Only a closed connection should get here (its size was checked): nothing can be sent then,
      // but an error reply is tried, in case the failure was the size after all (a reconnect to a
      // server with a smaller max_payload).
      this.mesh.logger.error({ err, bytes, subject: msg.subject }, 'could not send a reply');
      this.tooLarge(nc, to, packet, bytes, nc.info?.max_payload ?? max);
    });
    return true;
  }

  private tooLarge(nc: NatsConnection, to: string, packet: ReplyPacket, bytes: number, max: number): void {
    const message = `the reply (${bytes} bytes) is larger than the broker's max_payload (${max} bytes)`;
    this.mesh.logger.error({ bytes, maxPayload: max, service: this.mesh.service }, 'reply too large to send');
    const err = { code: ErrorCodes.replyTooLarge, message, service: this.mesh.service };
    try {
      nc.publish(to, JSON.stringify({ id: packet.id, err, isDisposed: true } satisfies ReplyPacket));
    } catch {
      // The connection is closed: the caller's deadline is all that is left.
    }
  }

  /** Drain: stop taking new messages, finish the ones held, flush the replies, then close. */
  override close(): Promise<void> {
    this.closing ??= this.drain();
    return this.closing;
  }

  private async drain(): Promise<void> {
    const nc = this.connectionOrNull();
    if (!nc) return;
    const started = Date.now();
    for (const sub of this.direct.splice(0)) sub.unsubscribe();
    await this.svc?.stop().catch(() => undefined);
    if (this.inFlight > 0) {
      this.mesh.logger.info({ inFlight: this.inFlight }, 'draining in-flight requests');
      await Promise.race([
        new Promise<void>((resolve) => this.idleWaiters.push(resolve)),
        new Promise<void>((resolve) => setTimeout(resolve, this.mesh.drainTimeoutMs).unref()),
      ]);
    }
    PublishBatch.of(nc).flush(); // the last replies, before the connection drains
    if (!nc.isClosed()) await nc.drain().catch(() => nc.close());
    this.mesh.logger.info({ ms: Date.now() - started, abandoned: this.inFlight }, 'drained');
  }

  private connectionOrNull(): NatsConnection | null {
    try {
      return this.unwrap<NatsConnection>();
    } catch {
      return null;
    }
  }
}
