// The JetStream streams domain events live in (their layout is libs/contracts
// jetstream-layout.ts), and the idempotent making of a stream the provisioner uses for them and
// for the buckets' streams: added when missing, updated when a setting we own (the replica
// count) changed, left alone when equal. Provisioners running together all succeed.
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
import { DEADLETTER_STREAM, EVENTS_STREAM, Streams } from '#contracts';

export { DEADLETTER_MAX_AGE_MS, DEADLETTER_STREAM, EVENTS_MAX_AGE_MS, EVENTS_STREAM } from '#contracts';

/**
 * JetStream drops a message whose `Nats-Msg-Id` it has seen within this window. A relay that
 * published an event and died before marking it sent publishes it again when it (or a sibling)
 * next polls — well within 10 minutes, unless the database stays down longer than that.
 */
export const EVENTS_DUPLICATE_WINDOW_MS = 10 * 60_000;

export interface EventStreamSettings {
  /** 1 on a single nats-server; 3 on a 3-node cluster. */
  replicas: number;
}

export type StreamWant = Partial<StreamConfig> & { name: string };
export type Outcome = 'created' | 'updated' | 'unchanged';

export function eventStreamConfigs(s: EventStreamSettings): StreamWant[] {
  return Streams.map((l) => ({
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    num_replicas: s.replicas,
    duplicate_window: nanos(EVENTS_DUPLICATE_WINDOW_MS),
    name: l.name,
    subjects: l.subjects,
    max_age: nanos(l.maxAgeMs),
  }));
}

/** Adds or updates both event streams; answers what it did per stream (for the start-up log). */
export async function ensureEventStreams(nc: NatsConnection, s: EventStreamSettings): Promise<Record<string, Outcome>> {
  const jsm = await jetstreamManager(nc);
  const done: Record<string, Outcome> = {};
  for (const config of eventStreamConfigs(s)) done[config.name] = await ensureStream(jsm, config);
  return done;
}

/** Set at creation and never changed by us (the server refuses to change them anyway). */
const FIXED = new Set(['name', 'storage', 'retention']);

/**
 * The settings we own are those `want` names; anything else on the stream (an operator's
 * limits) is left as found.
 */
export async function ensureStream(jsm: JetStreamManager, want: StreamWant): Promise<Outcome> {
  const owned = Object.keys(want).filter((k) => !FIXED.has(k)) as Array<keyof StreamConfig>;
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
        // Another provisioner created it first (with other settings, or the server would have
        // answered as if we had): look again and update.
        if (attempt < 3 && err instanceof JetStreamApiError) continue;
        throw err;
      }
    }
    const differs = owned.some((k) => JSON.stringify(found.config[k]) !== JSON.stringify(want[k]));
    if (!differs) return 'unchanged';
    await jsm.streams.update(want.name, {
      ...found.config,
      ...Object.fromEntries(owned.map((k) => [k, want[k]])),
    });
    return 'updated';
  }
}

/** Both event streams, for code that needs their names without the layout. */
export const EventStreamNames = [EVENTS_STREAM, DEADLETTER_STREAM] as const;
