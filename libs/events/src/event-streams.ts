// The JetStream streams domain events live in, created idempotently by every replica that
// publishes or consumes events: added when missing, updated when an operator's setting (the
// replica count) changed, left alone when equal. Replicas starting together all succeed.
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import {
  DiscardPolicy,
  JetStreamApiError,
  JetStreamApiCodes,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import { EVENT_SUBJECT_PREFIX } from '#contracts';

/** Every event of the mesh, `events.>`. */
export const EVENTS_STREAM = 'EVENTS';
/** Events a consuming service gave up on, `deadletter.<service>.<subject>`. */
export const DEADLETTER_STREAM = 'DEADLETTER';

/**
 * JetStream drops a message whose `Nats-Msg-Id` it has seen within this window. A relay that
 * published an event and died before marking it sent publishes it again when it (or a sibling)
 * next polls — well within 10 minutes, unless the database stays down longer than that.
 */
export const EVENTS_DUPLICATE_WINDOW_MS = 10 * 60_000;
/**
 * How long events are kept. A consuming service down for longer than this misses the events
 * that aged out meanwhile; a new consuming service starts from the oldest one still kept.
 */
export const EVENTS_MAX_AGE_MS = 7 * 24 * 3_600_000;
/** Dead letters wait this long for an operator. */
export const DEADLETTER_MAX_AGE_MS = 30 * 24 * 3_600_000;

export interface EventStreamSettings {
  /** 1 on a single nats-server; 3 on a 3-node cluster. */
  replicas: number;
}

export function eventStreamConfigs(s: EventStreamSettings): Array<Partial<StreamConfig> & { name: string }> {
  const common = {
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    num_replicas: s.replicas,
    duplicate_window: nanos(EVENTS_DUPLICATE_WINDOW_MS),
  };
  return [
    { ...common, name: EVENTS_STREAM, subjects: [`${EVENT_SUBJECT_PREFIX}>`], max_age: nanos(EVENTS_MAX_AGE_MS) },
    { ...common, name: DEADLETTER_STREAM, subjects: ['deadletter.>'], max_age: nanos(DEADLETTER_MAX_AGE_MS) },
  ];
}

/** The settings we own; anything else on the stream (an operator's limits) is left as found. */
const OWNED = ['subjects', 'num_replicas', 'duplicate_window', 'max_age'] as const;

/** Adds or updates both streams; answers what it did per stream (for the start-up log). */
export async function ensureEventStreams(
  nc: NatsConnection,
  s: EventStreamSettings,
): Promise<Record<string, 'created' | 'updated' | 'unchanged'>> {
  const jsm = await jetstreamManager(nc);
  const done: Record<string, 'created' | 'updated' | 'unchanged'> = {};
  for (const config of eventStreamConfigs(s)) done[config.name] = await ensureStream(jsm, config);
  return done;
}

async function ensureStream(
  jsm: JetStreamManager,
  want: Partial<StreamConfig> & { name: string },
): Promise<'created' | 'updated' | 'unchanged'> {
  for (let attempt = 0; ; attempt++) {
    const found = await jsm.streams.info(want.name).catch((err: unknown) => {
      if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound) return null;
      throw err;
    });
    if (found === null) {
      try {
        await jsm.streams.add(want);
        return 'created';
      } catch (err) {
        // Another replica created it first (with other settings, or the server would have
        // answered as if we had): look again and update.
        if (attempt < 3 && err instanceof JetStreamApiError) continue;
        throw err;
      }
    }
    const differs = OWNED.some((k) => JSON.stringify(found.config[k]) !== JSON.stringify(want[k]));
    if (!differs) return 'unchanged';
    await jsm.streams.update(want.name, { ...found.config, ...pick(want) });
    return 'updated';
  }
}

function pick(want: Partial<StreamConfig>): Partial<StreamConfig> {
  return Object.fromEntries(OWNED.map((k) => [k, want[k]]));
}
