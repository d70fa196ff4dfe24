// One consuming service's durable pull consumer of one event subject, shared by all its
// replicas (JetStream's queue group): each event is handled once per service, by whichever
// replica pulls it, also after the service was down (the consumer keeps its place). Failed
// handlers are retried with a growing delay; an event that fails `maxDeliver` times (or cannot
// be read at all) goes to `deadletter.<service>.<subject>` and is terminated, so it never holds
// up the events behind it.
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream, type Consumer, type JetStreamClient, type JsMsg } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { durableName, eventSchema, MeshHeaders, type EventOf, type EventSubject } from '#contracts';
import {
  requestContext,
  type RequestContext,
  endSpan,
  startSpan,
  TRACEPARENT,
  traceparentOf,
  tracingEnabled,
} from '#runtime';
import { deadLetter } from './dead-letter.js';
import { EVENTS_STREAM } from './event-streams.js';

export interface EventConsumerSettings {
  /** Deliveries before the event goes to the dead letters. */
  maxDeliver: number;
  /** First retry delay after a failed handler; doubles per attempt, capped at 30 s. */
  retryBackoffMs: number;
  /** Handlers running at once in this replica. */
  concurrency: number;
  /**
   * How long a running handler keeps telling JetStream it is working (default WORKING_FOR_MS);
   * past it, a handler that has not finished counts as hung and its event is redelivered.
   */
  workingForMs?: number;
}

export interface EventDelivery {
  subject: EventSubject;
  /** 1 for the first delivery. */
  attempt: number;
  streamSequence: number;
}

export type EventHandler<S extends EventSubject> = (event: EventOf<S>, delivery: EventDelivery) => Promise<void>;
/** What a consuming service reacts to: one handler per event subject. */
export type EventHandlers = { [S in EventSubject]?: EventHandler<S> };

const MAX_RETRY_DELAY_MS = 30_000;
/**
 * Each pull asks for at most as many events as there are free handler slots, and lasts this
 * long (the server's minimum is 1 s). A drain lets the pull in progress run out rather than
 * dropping it: events the server sends to a pull whose subscription is gone wait out the whole
 * ack wait before anyone else may have them.
 */
const PULL_EXPIRES_MS = 1000;
/** What a stopping replica's last pull still brings is redelivered after this: past that pull's end. */
const HANDBACK_DELAY_MS = PULL_EXPIRES_MS + 250;
const PULL_RETRY_MS = 1000;
/**
 * A handler still running tells JetStream so this often (`working`: the ack wait starts over), for
 * at most WORKING_FOR_MS (the ack wait is 10 s or more; a second is its floor): a slow but live attempt (waiting for a lock on a loaded machine) is not
 * handed to a second replica meanwhile. Each such redelivery counts as an attempt, and an event
 * redelivered past EVENTS_MAX_DELIVER without one attempt finishing goes to the dead letters
 * unhandled. A handler hung for longer than that is redelivered as before.
 */
const WORKING_EVERY_MS = 500;
const WORKING_FOR_MS = 60_000;
export function retryDelayMs(attempt: number, baseMs: number): number {
  return Math.min(MAX_RETRY_DELAY_MS, baseMs * 2 ** Math.max(0, attempt - 1));
}

export interface EventConsumerOptions<S extends EventSubject> {
  service: string;
  subject: S;
  handler: EventHandler<S>;
  settings: EventConsumerSettings;
  logger: Logger;
}

export class EventConsumer<S extends EventSubject> {
  private readonly js: JetStreamClient;
  private loop: Promise<void> | undefined;
  private stopping = false;
  private inFlight = 0;
  private slotWaiters: Array<() => void> = [];
  private idleWaiters: Array<() => void> = [];
  private readonly log: Logger;

  constructor(
    nc: NatsConnection,
    private readonly o: EventConsumerOptions<S>,
  ) {
    this.js = jetstream(nc);
    this.log = o.logger.child({ consumer: durableName(o.service, o.subject) });
  }

  /** Binds to the durable consumer (the provisioner made it), then starts pulling. */
  async start(): Promise<void> {
    this.loop = this.pull(await this.bind());
  }

  private bind(): Promise<Consumer> {
    return this.js.consumers.get(EVENTS_STREAM, durableName(this.o.service, this.o.subject));
  }

  /**
   * Drain: stop pulling (the pull in progress runs out within a second; what it still brings is
   * handed back with a nak, for a sibling, redelivered once that pull is over), and wait for the running handlers (at most
   * `boundMs`).
   */
  async stop(boundMs: number): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.slotWaiters.splice(0).forEach((w) => w());
    await this.loop;
    if (this.inFlight > 0) {
      this.log.info({ inFlight: this.inFlight }, 'draining in-flight events');
      await Promise.race([
        new Promise<void>((resolve) => this.idleWaiters.push(resolve)),
        new Promise<void>((resolve) => setTimeout(resolve, boundMs).unref()),
      ]);
    }
  }

  private async pull(bound: Consumer): Promise<void> {
    let consumer = bound;
    while (!this.stopping) {
      if (this.inFlight >= this.o.settings.concurrency) {
        await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
        continue;
      }
      try {
        const batch = await consumer.fetch({
          max_messages: this.o.settings.concurrency - this.inFlight,
          expires: PULL_EXPIRES_MS,
        });
        for await (const m of batch) {
          // Handed back for a sibling, after the pull in progress has run out: an immediate nak
          // put it straight back into this same pull, again and again within its second, and
          // each delivery counts towards EVENTS_MAX_DELIVER (the next replica dead-lettered it).
          if (this.stopping) m.nak(HANDBACK_DELAY_MS);
          else void this.track(m);
        }
      } catch (err) {
        if (this.stopping) return;
        // NATS reconnecting, JetStream electing a leader, the consumer deleted by hand: retry,
        // binding again (a deleted consumer comes back when the provisioner runs again, and then
        // starts from the oldest event kept).
        this.log.warn({ err: errorText(err) }, 'cannot pull events now; retrying');
        await new Promise((r) => setTimeout(r, PULL_RETRY_MS));
        if (!this.stopping) consumer = await this.bind().catch(() => consumer);
      }
    }
  }

  private async track(m: JsMsg): Promise<void> {
    this.inFlight++;
    try {
      await this.handle(m);
    } catch (err) {
      // handle() settles every outcome itself; this is a bug or a lost connection.
      this.log.error({ err }, 'event handling failed unexpectedly');
    } finally {
      this.inFlight--;
      this.slotWaiters.shift()?.();
      if (this.inFlight === 0) this.idleWaiters.splice(0).forEach((w) => w());
    }
  }

  private async handle(m: JsMsg): Promise<void> {
    const { service, subject, settings } = this.o;
    const attempt = m.info.deliveryCount;
    const where = { service, subject, streamSequence: m.info.streamSequence, attempt };
    let event: EventOf<S>;
    try {
      const parsed = eventSchema(subject).safeParse(m.json());
      if (!parsed.success) {
        // A payload that does not fit the contract never will: no retries.
        return await deadLetter(this.js, m, { ...where, reason: 'invalid', error: parsed.error.message }, this.log);
      }
      event = parsed.data;
    } catch (err) {
      return await deadLetter(this.js, m, { ...where, reason: 'invalid', error: errorText(err) }, this.log);
    }
    if (attempt > settings.maxDeliver) {
      // Its last attempts never finished (their replica died, or the ack wait ran out).
      return await deadLetter(this.js, m, { ...where, reason: 'unfinished', error: 'no attempt finished' }, this.log);
    }
    // The handler's log lines and spans join those of the request whose write produced the event.
    const requestId = m.headers?.get(MeshHeaders.requestId) || event.eventId;
    const span = tracingEnabled()
      ? startSpan(`${subject} process`, 'consumer', m.headers?.get(TRACEPARENT) || undefined, {
          'messaging.system': 'nats',
          'messaging.destination.name': subject,
          'messaging.consumer.group.name': durableName(service, subject),
          'messaging.message.id': event.eventId,
          'failsoft.request_id': requestId,
          'failsoft.attempt': attempt,
        })
      : undefined;
    // Nobody waits on an event handler: its onward requests are the first a loaded replica sheds.
    const context: RequestContext = span
      ? { requestId, criticality: 'sheddable', traceparent: traceparentOf(span), traceId: span.spanContext().traceId }
      : { requestId, criticality: 'sheddable' };
    let failed = true;
    try {
      failed = await requestContext.run(context, () => this.attempt(m, event, attempt));
    } finally {
      endSpan(span, failed);
    }
  }

  /** Runs the handler once, then acknowledges, retries later or dead-letters; answers whether it failed. */
  private async attempt(m: JsMsg, event: EventOf<S>, attempt: number): Promise<boolean> {
    const { service, subject, settings } = this.o;
    const started = Date.now();
    const workingForMs = settings.workingForMs ?? WORKING_FOR_MS;
    const working = setInterval(() => {
      if (Date.now() - started < workingForMs) m.working();
    }, WORKING_EVERY_MS).unref();
    try {
      await this.o.handler(event, { subject, attempt, streamSequence: m.info.streamSequence });
    } catch (err) {
      clearInterval(working);
      const where = { service, subject, streamSequence: m.info.streamSequence, attempt };
      if (attempt >= settings.maxDeliver) {
        await deadLetter(this.js, m, { ...where, reason: 'failed', error: errorText(err) }, this.log);
        return true;
      }
      const delayMs = retryDelayMs(attempt, settings.retryBackoffMs);
      this.log.warn(
        { ...where, eventId: event.eventId, retryInMs: delayMs, err: errorText(err) },
        'event handler failed',
      );
      m.nak(delayMs);
      return true;
    }
    clearInterval(working);
    m.ack();
    const done = Date.now();
    const occurred = Date.parse(event.occurredAt);
    // lagMs: from the commit that produced the event to its effect here (bench reads it), of
    // which publishMs until JetStream stored it (the producer's outbox relay).
    this.log.debug(
      {
        subject,
        eventId: event.eventId,
        attempt,
        ms: done - started,
        lagMs: done - occurred,
        publishMs: Math.round(m.info.timestampNanos / 1e6) - occurred,
      },
      'event handled',
    );
    return false;
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
