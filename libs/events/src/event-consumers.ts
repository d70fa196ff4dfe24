// A consuming service's consumers: one durable consumer per event subject it handles, started
// once the service has joined the mesh and drained with it.
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { EventSubject } from '#contracts';
import { EventConsumer, type EventConsumerSettings, type EventHandlers } from './event-consumer.js';

/** A Nest provider of a consuming service: its handlers, thin, each calling one service method. */
export interface EventHandlerSet {
  readonly handlers: EventHandlers;
}

export interface RunningEventConsumers {
  subjects: EventSubject[];
  stop: (boundMs: number) => Promise<void>;
}

export async function startEventConsumers(
  nc: NatsConnection,
  o: { service: string; handlers: EventHandlers; settings: EventConsumerSettings; logger: Logger },
): Promise<RunningEventConsumers> {
  const subjects = Object.keys(o.handlers) as EventSubject[];
  const consumers = subjects.map(
    (subject) =>
      new EventConsumer(nc, {
        service: o.service,
        subject,
        // The map's type ties each subject to its handler; the loop over its keys loses that.
        handler: o.handlers[subject] as never,
        settings: o.settings,
        logger: o.logger,
      }),
  );
  const started: typeof consumers = [];
  const stop = async (boundMs: number) => {
    await Promise.all(started.map((c) => c.stop(boundMs)));
  };
  try {
    for (const c of consumers) {
      await c.start();
      started.push(c);
    }
  } catch (err) {
    await stop(0);
    throw err;
  }
  o.logger.info({ subjects }, 'consuming events');
  return { subjects, stop };
}
