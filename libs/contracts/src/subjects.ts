// Every NATS subject of the mesh, declared once. Requests are `<service>.<verb>`; events are
// `events.<service>.<fact>` (past tense). An incompatible payload change gets a new subject.
export const Subjects = {
  identity: {
    signup: 'identity.signup',
    login: 'identity.login',
    refresh: 'identity.sessions.refresh',
    logout: 'identity.sessions.logout',
    changePassword: 'identity.password.change',
    getUser: 'identity.users.get',
    lookupUser: 'identity.users.lookup',
  },
  posts: {
    create: 'posts.create',
    get: 'posts.get',
    getMany: 'posts.get-many',
    list: 'posts.list',
    scan: 'posts.scan',
    delete: 'posts.delete',
  },
  comments: {
    create: 'comments.create',
    list: 'comments.list',
    delete: 'comments.delete',
    count: 'comments.count',
  },
  likes: {
    like: 'likes.like',
    unlike: 'likes.unlike',
    list: 'likes.list',
    summary: 'likes.summary',
  },
  media: {
    register: 'media.register',
    get: 'media.get',
    resolve: 'media.resolve',
  },
  messaging: {
    send: 'messaging.send',
    conversation: 'messaging.conversation',
    conversations: 'messaging.conversations',
  },
  graph: {
    follow: 'graph.follow',
    unfollow: 'graph.unfollow',
    followers: 'graph.followers',
    following: 'graph.following',
    relationships: 'graph.relationships',
    followeeIds: 'graph.followee-ids',
    edges: 'graph.edges',
  },
  feed: {
    home: 'feed.home',
    rebuild: 'feed.rebuild',
  },
  notifications: {
    list: 'notifications.list',
    unreadCount: 'notifications.unread-count',
    markRead: 'notifications.mark-read',
  },
} as const;

/**
 * Live deliveries: core NATS publish (no queue group), so every edge replica gets them and
 * forwards to the open streams it holds. One subject per recipient user id.
 */
export const LiveSubjects = {
  message: (userId: string) => `live.messages.${userId}`,
  messageWildcard: 'live.messages.*',
  notification: (userId: string) => `live.notifications.${userId}`,
  notificationWildcard: 'live.notifications.*',
} as const;

/**
 * The SSE event name a live delivery asks the edge for, in the `live-event` NATS header; without
 * it a delivery on live.notifications.<userId> is `event: notification`.
 */
export const LIVE_EVENT_HEADER = 'live-event';
export const LiveEvents = {
  /** An unread notification taken back (an unlike, unfollow, deleted comment or post): NotificationRemoved. */
  notificationRemoved: 'notification-removed',
} as const;

/** The feature services of the mesh, each a queue group of the same name. */
export const MeshServices = [
  'identity',
  'posts',
  'comments',
  'likes',
  'media',
  'messaging',
  'graph',
  'feed',
  'notifications',
] as const;
export type MeshService = (typeof MeshServices)[number];

type Leaves<T> = T extends string ? T : { [K in keyof T]: Leaves<T[K]> }[keyof T];
export type Subject = Leaves<typeof Subjects>;

/** The service that owns a request subject: its first token. */
export function ownerOf(subject: string): string {
  const dot = subject.indexOf('.');
  return dot === -1 ? subject : subject.slice(0, dot);
}
