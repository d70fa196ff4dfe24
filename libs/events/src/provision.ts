// Making the mesh's JetStream layout (libs/contracts jetstream-layout.ts): the event streams,
// every durable consumer, the media object store and the key-value buckets, idempotently —
// created when missing, updated when a setting we own changed, left alone when equal — and safe
// to run twice at once. It needs JetStream's admin API, so it runs as the `provisioner` NATS
// user: the launcher at start (and `mesh provision`), a Kubernetes Job, a compose one-shot, the
// test helpers. No runtime app may create or change any of it; they only bind (awaitProvisioned).
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  jetstreamManager,
  StorageType,
  type ConsumerConfig,
  type JetStreamManager,
} from '@nats-io/jetstream';
import {
  EventConsumers,
  KeyValues,
  kvStreamName,
  objectStreamName,
  ObjectStores,
  type ConsumerLayout,
  type KeyValueLayout,
} from '#contracts';
import { eventStreamConfigs, ensureStream, type Outcome, type StreamWant } from './event-streams.js';

export interface ProvisionSettings {
  /** Replicas of every stream and bucket: 1 on a single nats-server; 3 on a 3-node cluster. */
  replicas: number;
  /** The media object store's bucket (MEDIA_BUCKET). */
  mediaBucket: string;
  /** Redelivery of an event whose replica died (or hung) before acknowledging it. */
  ackWaitMs: number;
}

/** How many events a consumer may have handed out and not had acknowledged, all replicas together. */
const MAX_ACK_PENDING = 1000;

export function consumerConfig(c: ConsumerLayout, s: { ackWaitMs: number }): Partial<ConsumerConfig> {
  return {
    durable_name: c.durable,
    filter_subject: c.filter,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(s.ackWaitMs),
    // The handler's attempts are counted by the consumer, not by the server: JetStream's own
    // max_deliver drops an event silently (an advisory only) when its last delivery went to a
    // replica that died mid-handler, or when the dead-letter publish failed. We dead-letter it.
    max_deliver: -1,
    max_ack_pending: MAX_ACK_PENDING,
    description: `${c.owner} handles ${c.filter}`,
  };
}

/** The object store's stream, as @nats-io/obj makes it (so a bucket it made is `unchanged`). */
export function objectStoreConfig(bucket: string, replicas: number): StreamWant {
  return {
    name: objectStreamName(bucket),
    subjects: [`$O.${bucket}.C.>`, `$O.${bucket}.M.>`],
    storage: StorageType.File,
    num_replicas: replicas,
    discard: DiscardPolicy.New,
    allow_rollup_hdrs: true,
    allow_direct: true,
    max_age: 0,
  };
}

/** A key-value bucket's stream, as @nats-io/kv makes it. */
export function keyValueConfig(kv: KeyValueLayout, replicas: number): StreamWant {
  return {
    name: kvStreamName(kv.bucket),
    subjects: [`$KV.${kv.bucket}.>`],
    storage: StorageType.File,
    num_replicas: replicas,
    discard: DiscardPolicy.New,
    max_msgs_per_subject: kv.history,
    max_age: nanos(kv.maxAgeMs),
    duplicate_window: nanos(Math.min(kv.maxAgeMs, 120_000)),
    allow_rollup_hdrs: true,
    allow_direct: true,
    deny_delete: true,
    deny_purge: false,
  };
}

/** The consumer settings we own; a change (a new ack wait) updates it. */
const OWNED = ['filter_subject', 'ack_wait', 'max_deliver', 'max_ack_pending'] as const;

export async function ensureConsumer(
  jsm: JetStreamManager,
  c: ConsumerLayout,
  want: Partial<ConsumerConfig>,
): Promise<Outcome> {
  for (let attempt = 0; ; attempt++) {
    const found = await jsm.consumers.info(c.stream, c.durable).catch((err: unknown) => {
      if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.ConsumerNotFound) return null;
      throw err;
    });
    if (found === null) {
      try {
        await jsm.consumers.add(c.stream, want);
        return 'created';
      } catch (err) {
        // Another provisioner created it at the same moment: look again.
        if (attempt < 3 && err instanceof JetStreamApiError) continue;
        throw err;
      }
    }
    const differs = OWNED.some((k) => JSON.stringify(found.config[k]) !== JSON.stringify(want[k]));
    if (!differs) return 'unchanged';
    await jsm.consumers.update(c.stream, c.durable, Object.fromEntries(OWNED.map((k) => [k, want[k]])));
    return 'updated';
  }
}

/** `stream EVENTS`, `consumer EVENTS/likes--events-posts-deleted`, `objects media`, `kv ratelimits`. */
export type ProvisionReport = Record<string, Outcome>;

/** Makes the whole layout; answers what it did per part. */
export async function provision(nc: NatsConnection, s: ProvisionSettings): Promise<ProvisionReport> {
  const jsm = await jetstreamManager(nc);
  const done: ProvisionReport = {};
  for (const config of eventStreamConfigs(s)) done[`stream ${config.name}`] = await ensureStream(jsm, config);
  for (const c of EventConsumers) {
    done[`consumer ${c.stream}/${c.durable}`] = await ensureConsumer(jsm, c, consumerConfig(c, s));
  }
  for (const os of ObjectStores) {
    const bucket = os.bucket === 'media' ? s.mediaBucket : os.bucket;
    done[`objects ${bucket}`] = await ensureStream(jsm, objectStoreConfig(bucket, s.replicas));
  }
  for (const kv of KeyValues) done[`kv ${kv.bucket}`] = await ensureStream(jsm, keyValueConfig(kv, s.replicas));
  return done;
}
