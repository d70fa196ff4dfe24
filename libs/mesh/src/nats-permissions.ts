// Least privilege on NATS: one user per app, allowed to subscribe only to its own request
// subjects (queue group and direct), NATS's service-API discovery and its own reply inboxes; to
// publish only replies (allow_responses), its own events and dead letters, the requests it
// legitimately makes, and of JetStream's API only what binding to its part of the layout needs
// (libs/contracts jetstream-layout.ts): stream info of the streams it uses, info/next/ack of its
// own durable consumers (and, for the edge, info of every durable: their lag), message get (and, for writers, purge) on the object store, the key-value
// buckets it uses. No runtime app may create, update, purge or delete a stream or create or
// delete a consumer: the `provisioner` user does that, before the apps start.
// `npm run mesh -- nats-auth` writes the server's `authorization` block and each user's credentials.
import { randomBytes } from 'node:crypto';
import {
  consumersOf,
  DEADLETTER_STREAM,
  EventConsumers,
  Events,
  EVENTS_STREAM,
  KeyValues,
  kvStreamName,
  LiveSubjects,
  MeshServices,
  objectStreamName,
  ObjectStores,
  type MeshService,
} from '#contracts';
import { inboxPrefixFor } from './nats-connection.js';

/** Requests each app makes of other services (its clients' subjects); the edge asks everyone. */
export const MeshCalls: Record<MeshService, readonly string[]> = {
  identity: [],
  posts: [],
  comments: ['posts.get'],
  likes: ['posts.get'],
  media: [],
  messaging: ['identity.users.lookup'],
  graph: [],
  // Only to rebuild feeds from their sources of truth (feed.rebuild).
  feed: ['graph.edges', 'graph.relationships', 'posts.scan', 'posts.list', 'posts.get-many'],
  notifications: [],
};

/**
 * Requests only the operator makes (`mesh feed rebuild`, which resolves a username first), and
 * the whole-mesh reads only feed's rebuild makes: the edge, which may ask every service anything
 * else, may not ask these.
 */
export const OperatorCalls = ['feed.rebuild', 'identity.users.lookup'] as const;
const NotForEdge = ['feed.rebuild', 'graph.edges', 'posts.scan'];

/**
 * Apps that connect to NATS: the services, the edge, `operator` (the `mesh` CLI) and
 * `provisioner` (makes the JetStream layout; given to no runtime app).
 */
export const NatsUsers = [...MeshServices, 'edge', 'operator', 'provisioner'] as const;
export type NatsUser = (typeof NatsUsers)[number];

export interface SubjectPermission {
  allow: string[];
  deny?: string[];
}
export interface UserPermissions {
  publish: SubjectPermission;
  subscribe: SubjectPermission;
  /**
   * Replies to requests received: one each, within the response window (nats-server's default
   * 2 min for `true`, or `expires`).
   */
  allow_responses?: boolean | { max: number; expires: string };
}

/** The producers of events: only they may publish `events.<service>.>`. */
const eventProducers = new Set<string>(Object.keys(Events));

const API = '$JS.API';

/** What a @nats-io/jetstream client needs to bind to, pull from and acknowledge its own durables. */
function consumerGrants(app: string): string[] {
  return consumersOf(app).flatMap((c) => [
    `${API}.CONSUMER.INFO.${c.stream}.${c.durable}`,
    `${API}.CONSUMER.MSG.NEXT.${c.stream}.${c.durable}`,
    `$JS.ACK.${c.stream}.${c.durable}.>`,
  ]);
}

/**
 * The object stores an app reads (stream info, message get: ObjectReader) or writes (@nats-io/obj
 * put and delete: the chunk and metadata subjects, message get of the metadata, purge of the
 * replaced object's chunks). Purge cannot be limited to one object's subject by permission: a
 * writer may empty the bucket (it may overwrite any object anyway).
 */
function objectGrants(app: string, mediaBucket: string): string[] {
  return ObjectStores.flatMap((os) => {
    const bucket = os.bucket === 'media' ? mediaBucket : os.bucket;
    const stream = objectStreamName(bucket);
    const reads = os.readers.includes(app) || os.writers.includes(app);
    return [
      ...(reads ? [`${API}.STREAM.INFO.${stream}`, `${API}.STREAM.MSG.GET.${stream}`] : []),
      ...(os.writers.includes(app) ? [`$O.${bucket}.C.>`, `$O.${bucket}.M.>`, `${API}.STREAM.PURGE.${stream}`] : []),
    ];
  });
}

/**
 * The key-value buckets an app uses, as a @nats-io/kv client binds to an existing bucket (no
 * create) and gets, puts, creates, updates and deletes keys: stream info, direct get (by subject
 * or by request) and message get, and publishing to the bucket's key subjects. No watch or keys
 * (they need a consumer).
 */
function keyValueGrants(app: string): string[] {
  return KeyValues.filter((kv) => kv.users.includes(app)).flatMap((kv) => {
    const stream = kvStreamName(kv.bucket);
    return [
      `${API}.STREAM.INFO.${stream}`,
      `${API}.DIRECT.GET.${stream}`,
      `${API}.DIRECT.GET.${stream}.$KV.${kv.bucket}.>`,
      `${API}.STREAM.MSG.GET.${stream}`,
      `$KV.${kv.bucket}.>`,
    ];
  });
}

export function meshPermissions(o: { mediaBucket: string }): Record<NatsUser, UserPermissions> {
  const service = (s: MeshService): UserPermissions => {
    const consumes = consumersOf(s).length > 0;
    const streams = [
      ...(consumes || eventProducers.has(s) ? [EVENTS_STREAM] : []),
      ...(consumes ? [DEADLETTER_STREAM] : []),
    ];
    const publish = [
      '$SRV.>', // pings the mesh for its replica directory; answers discovery
      `${API}.INFO`,
      ...streams.map((stream) => `${API}.STREAM.INFO.${stream}`),
      ...consumerGrants(s),
      ...objectGrants(s, o.mediaBucket),
      ...keyValueGrants(s),
      ...(consumes ? [`deadletter.${s}.>`] : []),
      // its outbox relay checks what JetStream acknowledged after a leader change (outbox-relay.ts)
      ...(eventProducers.has(s) ? [`events.${s}.>`, `${API}.STREAM.MSG.GET.${EVENTS_STREAM}`] : []),
      // a request, and its retry on one replica's direct subject
      ...MeshCalls[s].flatMap((subject) => [subject, `${subject}.*`]),
      ...(s === 'messaging' ? [LiveSubjects.messageWildcard] : []),
      ...(s === 'notifications' ? [LiveSubjects.notificationWildcard] : []),
    ];
    return {
      publish: { allow: publish },
      subscribe: { allow: [`${s}.>`, '$SRV.>', `${inboxPrefixFor(s)}.>`] },
      // A feed rebuild may answer after nats-server's default 2 min window: feed's is longer
      // than the CLI's longest default wait (FEED_REBUILD_TIMEOUT_S).
      allow_responses: s === 'feed' ? { max: 1, expires: '15m' } : true,
    };
  };
  const services = Object.fromEntries(MeshServices.map((s) => [s, service(s)])) as Record<MeshService, UserPermissions>;
  return {
    ...services,
    edge: {
      publish: {
        allow: [
          ...MeshServices.map((s) => `${s}.>`),
          '$SRV.>',
          `${API}.INFO`,
          // Session revocations, read back from EVENTS by message get (RevokedSessions): no consumer.
          `${API}.STREAM.INFO.${EVENTS_STREAM}`,
          `${API}.STREAM.MSG.GET.${EVENTS_STREAM}`,
          // Every durable's lag for /metrics and GET /mesh: consumer info only, no next or ack.
          ...EventConsumers.map((c) => `${API}.CONSUMER.INFO.${c.stream}.${c.durable}`),
          ...objectGrants('edge', o.mediaBucket),
          ...keyValueGrants('edge'),
        ],
        deny: ['events.>', 'deadletter.>', ...NotForEdge],
      },
      subscribe: {
        allow: [
          '$SRV.>',
          LiveSubjects.messageWildcard,
          LiveSubjects.notificationWildcard,
          Events.identity.sessionsRevoked,
          `${inboxPrefixFor('edge')}.>`,
        ],
      },
      allow_responses: true,
    },
    // `mesh status` / `mesh events`: discovery and JetStream's read-only info; `mesh feed rebuild`.
    operator: {
      publish: {
        allow: [
          ...OperatorCalls,
          '$SRV.>',
          `${API}.INFO`,
          `${API}.STREAM.INFO.*`,
          `${API}.STREAM.NAMES`,
          `${API}.CONSUMER.INFO.>`,
          `${API}.CONSUMER.LIST.*`,
          `${API}.CONSUMER.NAMES.*`,
        ],
      },
      subscribe: { allow: [`${inboxPrefixFor('operator')}.>`] },
    },
    // `provision`: JetStream's whole API, nothing else.
    provisioner: {
      publish: { allow: [`${API}.>`] },
      subscribe: { allow: [`${inboxPrefixFor('provisioner')}.>`] },
    },
  };
}

export interface NatsCredential {
  user: NatsUser;
  password: string;
}

/** A fresh random password per user (24 bytes, base64url). */
export function generateCredentials(): NatsCredential[] {
  return NatsUsers.map((user) => ({ user, password: randomBytes(24).toString('base64url') }));
}

/** The nats-server `authorization { users = [...] }` block (JSON is valid nats-server config). */
export function authorizationConfig(credentials: NatsCredential[], o: { mediaBucket: string }): string {
  const perms = meshPermissions(o);
  const users = credentials.map((c) => ({ user: c.user, password: c.password, permissions: perms[c.user] }));
  return `authorization ${JSON.stringify({ users }, null, 2)}\n`;
}
