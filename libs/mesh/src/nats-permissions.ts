// Least privilege on NATS: one user per app, allowed to subscribe only to its own request
// subjects (queue group and direct), NATS's service-API discovery and its own reply inboxes; to
// publish only replies (allow_responses), its own events and dead letters, the requests it
// legitimately makes, and JetStream's API. The edge publishes requests but never events.
// `npm run mesh -- nats-auth` writes the server's `authorization` block and each app's credentials.
import { randomBytes } from 'node:crypto';
import { Events, MeshServices, RateLimitBucket, type MeshService } from '#contracts';
import { inboxPrefixFor } from './nats-connection.js';

/** Requests each app makes of other services (its clients' subjects); the edge asks everyone. */
export const MeshCalls: Record<MeshService, readonly string[]> = {
  identity: [],
  posts: [],
  comments: ['posts.get'],
  likes: ['posts.get'],
  media: [],
  messaging: ['identity.users.lookup'],
};

/** Apps that connect to NATS: the services, the edge, and `operator` (the `mesh` CLI). */
export const NatsUsers = [...MeshServices, 'edge', 'operator'] as const;
export type NatsUser = (typeof NatsUsers)[number];

export interface SubjectPermission {
  allow: string[];
  deny?: string[];
}
export interface UserPermissions {
  publish: SubjectPermission;
  subscribe: SubjectPermission;
  /** Replies to requests received (one each, within the response window). */
  allow_responses?: boolean;
}

/** The producers of events: only they may publish `events.<service>.>`. */
const eventProducers = new Set(Object.keys(Events));

/**
 * JetStream's API, minus deleting streams. Events (streams, consumers, acks, pulls), dead
 * letters and the media object store all go through it; narrowing it per stream is future work.
 */
const jetstream: SubjectPermission = {
  allow: ['$JS.API.>', '$JS.ACK.>', '$JS.FC.>'],
  deny: ['$JS.API.STREAM.DELETE.>'],
};

export function meshPermissions(o: { mediaBucket: string }): Record<NatsUser, UserPermissions> {
  const objectStore = `$O.${o.mediaBucket}.>`;
  const service = (s: MeshService): UserPermissions => {
    const publish = [
      '$SRV.>', // pings the mesh for its replica directory; answers discovery
      ...jetstream.allow,
      `deadletter.${s}.>`,
      ...(eventProducers.has(s) ? [`events.${s}.>`] : []),
      // a request, and its retry on one replica's direct subject
      ...MeshCalls[s].flatMap((subject) => [subject, `${subject}.*`]),
      ...(s === 'messaging' ? ['live.messages.*'] : []),
      ...(s === 'media' ? [objectStore] : []),
    ];
    return {
      publish: { allow: publish, deny: jetstream.deny },
      subscribe: { allow: [`${s}.>`, '$SRV.>', `${inboxPrefixFor(s)}.>`] },
      allow_responses: true,
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
          ...jetstream.allow,
          objectStore,
          // the rate-limit counts the edges share (apps/edge/src/limits/shared-counts.ts)
          `$KV.${RateLimitBucket.name}.>`,
        ],
        deny: ['events.>', 'deadletter.>', ...(jetstream.deny ?? [])],
      },
      subscribe: { allow: ['$SRV.>', 'live.messages.*', `${inboxPrefixFor('edge')}.>`] },
      allow_responses: true,
    },
    // `mesh status` / `mesh events`: discovery and JetStream's read-only info.
    operator: {
      publish: {
        allow: [
          '$SRV.>',
          '$JS.API.INFO',
          '$JS.API.STREAM.INFO.*',
          '$JS.API.STREAM.NAMES',
          '$JS.API.CONSUMER.INFO.>',
          '$JS.API.CONSUMER.LIST.*',
          '$JS.API.CONSUMER.NAMES.*',
        ],
      },
      subscribe: { allow: [`${inboxPrefixFor('operator')}.>`] },
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
