// The mesh's whole JetStream layout as data: the streams, every durable consumer, the object
// store and the key-value buckets, and which app uses each. The provisioner (libs/events
// provision.ts) makes exactly this; the NATS permissions (libs/mesh nats-permissions.ts) are
// generated from it, so an app may touch only what is listed here for it. A new consumer, bucket
// or stream is added here first.
import { Events, EVENT_SUBJECT_PREFIX, type EventSubject } from './event-subjects.js';
import { EventTicketBucket } from '../identity/event-tickets.js';
import { RateLimitBucket } from '../limits/rate-limit-bucket.js';

/** Every event of the mesh, `events.>`. */
export const EVENTS_STREAM = 'EVENTS';
/** Events a consuming service gave up on, `deadletter.<service>.<subject>`. */
export const DEADLETTER_STREAM = 'DEADLETTER';

export interface StreamLayout {
  name: string;
  subjects: string[];
  /** How long a message is kept. */
  maxAgeMs: number;
}

/**
 * How long events are kept. A consuming service down for longer than this misses the events
 * that aged out meanwhile; a new consuming service starts from the oldest one still kept.
 */
export const EVENTS_MAX_AGE_MS = 7 * 24 * 3_600_000;
/** Dead letters wait this long for an operator. */
export const DEADLETTER_MAX_AGE_MS = 30 * 24 * 3_600_000;

/** The replica count of every stream and bucket is the deployment's (1 on one server, 3 on a cluster). */
export const Streams: readonly StreamLayout[] = [
  { name: EVENTS_STREAM, subjects: [`${EVENT_SUBJECT_PREFIX}>`], maxAgeMs: EVENTS_MAX_AGE_MS },
  { name: DEADLETTER_STREAM, subjects: ['deadletter.>'], maxAgeMs: DEADLETTER_MAX_AGE_MS },
];

/** `comments--events-posts-deleted`: one per (service, subject); every replica binds to it. */
export function durableName(service: string, subject: string): string {
  return `${service}--${subject.replace(/[.*>]/g, '-')}`;
}

export interface ConsumerLayout {
  stream: string;
  durable: string;
  /** The one event subject it delivers. */
  filter: EventSubject;
  /** The consuming service: the only app that may pull from it and acknowledge. */
  owner: string;
}

const consumer = (owner: string, filter: EventSubject): ConsumerLayout => ({
  stream: EVENTS_STREAM,
  durable: durableName(owner, filter),
  filter,
  owner,
});

/** Each consuming service's durable pull consumers (its event handlers' subjects). */
export const EventConsumers: readonly ConsumerLayout[] = [
  consumer('comments', Events.posts.deleted),
  consumer('likes', Events.posts.deleted),
  consumer('media', Events.posts.created),
  consumer('media', Events.posts.deleted),
  consumer('feed', Events.posts.created),
  consumer('feed', Events.posts.deleted),
  consumer('feed', Events.graph.followed),
  consumer('feed', Events.graph.unfollowed),
  // posts' own projection of users (username → id), which resolves mentions.
  consumer('posts', Events.identity.usersCreated),
  consumer('notifications', Events.posts.created),
  consumer('notifications', Events.posts.deleted),
  consumer('notifications', Events.graph.followed),
  consumer('notifications', Events.graph.unfollowed),
  consumer('notifications', Events.likes.liked),
  consumer('notifications', Events.likes.unliked),
  consumer('notifications', Events.comments.created),
  consumer('notifications', Events.comments.deleted),
];

export function consumersOf(service: string): ConsumerLayout[] {
  return EventConsumers.filter((c) => c.owner === service);
}

/** The name of an object store's stream, as @nats-io/obj names it. */
export const objectStreamName = (bucket: string) => `OBJ_${bucket}`;
/** The name of a key-value bucket's stream, as @nats-io/kv names it. */
export const kvStreamName = (bucket: string) => `KV_${bucket}`;

export interface ObjectStoreLayout {
  /** The default bucket name (MEDIA_BUCKET may rename it). */
  bucket: string;
  /** Apps that put and delete objects. */
  writers: string[];
  /** Apps that read objects (by direct message get: no consumers). */
  readers: string[];
}

export const ObjectStores: readonly ObjectStoreLayout[] = [
  // The edge streams uploads in and media bytes out; media judges uploads, writes originals and thumbnails.
  { bucket: 'media', writers: ['edge', 'media'], readers: ['edge', 'media'] },
];

export interface KeyValueLayout {
  bucket: string;
  /** Keys expire this long after their last write. */
  maxAgeMs: number;
  /** Values kept per key. */
  history: number;
  /** Apps that get, create, update and delete keys (revision-checked); none may create the bucket. */
  users: string[];
}

export const KeyValues: readonly KeyValueLayout[] = [
  // Single-use stream tickets: created, fetched and deleted with revision checks.
  {
    bucket: EventTicketBucket.name,
    maxAgeMs: EventTicketBucket.ttlMs,
    history: EventTicketBucket.history,
    users: ['edge'],
  },
  // Rate-limit counters shared by the edges: got, created and updated with revision checks.
  { bucket: RateLimitBucket.name, maxAgeMs: RateLimitBucket.ttlMs, history: RateLimitBucket.history, users: ['edge'] },
];
