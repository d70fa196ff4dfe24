// Domain events: facts a service has committed, published on `events.<service>.<fact>` (past
// tense) into JetStream, and consumed once per consuming service. An incompatible payload change
// gets a new subject (`….v2`); adding an optional field does not.
export const Events = {
  identity: {
    /**
     * Sessions ended (logout, a password change, a reused refresh token): every edge refuses their
     * access tokens from then on, until `until` (when the last token they issued expires anyway).
     */
    sessionsRevoked: 'events.identity.sessions.revoked',
    /**
     * A user signed up: who they are, for services that keep their own projection of users (posts
     * resolves `@username` mentions from it, never asking identity per post).
     */
    usersCreated: 'events.identity.users.created',
  },
  posts: {
    /** A post was written; carries its media ids (media learns which posts use which uploads). */
    created: 'events.posts.created',
    /** A post was deleted; its comments, likes and media references go with it. */
    deleted: 'events.posts.deleted',
  },
  likes: {
    /** A user liked a post (not sent again for a like that already held). */
    liked: 'events.likes.liked',
    /** A user stopped liking a post (not sent for an unlike of no like). */
    unliked: 'events.likes.unliked',
  },
  comments: {
    /** A comment was written. */
    created: 'events.comments.created',
    /** A comment was deleted by its author. */
    deleted: 'events.comments.deleted',
  },
  graph: {
    /** A user followed another (not sent again for a follow that already held). */
    followed: 'events.graph.followed',
    /** A user stopped following another (not sent for an unfollow of nobody). */
    unfollowed: 'events.graph.unfollowed',
  },
} as const;

type Leaves<T> = T extends string ? T : { [K in keyof T]: Leaves<T[K]> }[keyof T];
export type EventSubject = Leaves<typeof Events>;

/** Every event subject starts with this; the events stream takes `events.>`. */
export const EVENT_SUBJECT_PREFIX = 'events.';

/**
 * Where a consuming service puts an event it gave up on: `deadletter.<service>.<subject>`, e.g.
 * `deadletter.comments.events.posts.deleted`. Owned (published) by the consuming service.
 */
export function deadLetterSubject(service: string, subject: string): string {
  return `deadletter.${service}.${subject}`;
}

/** The service that owns (publishes) an event subject: its second token. */
export function eventOwnerOf(subject: string): string {
  return subject.split('.')[1] ?? '';
}
