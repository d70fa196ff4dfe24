// The edge's answers as the client sees them (docs/api.md); fields a degraded answer leaves out are null.
export type ServiceName =
  'identity' | 'posts' | 'comments' | 'likes' | 'media' | 'messaging' | 'graph' | 'feed' | 'notifications';

export interface UserSummary {
  id: string;
  username: string;
  displayName: string;
}
export interface User extends UserSummary {
  createdAt: string;
  /** Null while graph is unavailable (then `degraded` has "graph"). */
  followerCount?: number | null;
  followingCount?: number | null;
  /** Null for anonymous readers, and while graph is unavailable. */
  followedByMe?: boolean | null;
  followsMe?: boolean | null;
  degraded?: string[];
}
export interface Session {
  user: UserSummary;
  /** The access token (minutes); refreshed before it expires and on a 401. */
  token: string;
  /** Single use: each refresh answers the next one. */
  refreshToken?: string;
  /** When `token` expires (ms since epoch). */
  expiresAt?: number;
}

/** What sign-up, login and refresh answer. */
export interface AuthReply {
  user: UserSummary;
  token: string;
  refreshToken: string;
  expiresIn: number;
}

/** While media is degraded a post's media are their ids only. */
export interface Media {
  id: string;
  url?: string;
  thumbnailUrl?: string;
  width?: number;
  height?: number;
}

/** A post's author; `followedByMe` is null for anonymous readers, your own posts, and while graph is down. */
export interface PostAuthor extends UserSummary {
  followedByMe?: boolean | null;
}

/** A user the post's text mentions as `@username` (and who exists). */
export interface Mention {
  username: string;
}

export interface Post {
  id: string;
  author: PostAuthor;
  text: string;
  /** The existing users its text mentions, in order of first mention; [] when none. */
  mentions: Mention[];
  media: Media[];
  createdAt: string;
  likeCount: number | null;
  commentCount: number | null;
  likedByMe: boolean | null;
  degraded: string[];
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
export interface PostPage extends Page<Post> {
  degraded: string[];
}

/** One row of a followers or following page: the user, and since when the follow holds. */
export interface FollowRecord {
  user: UserSummary;
  since: string;
}

export interface Comment {
  id: string;
  postId: string;
  author: UserSummary;
  text: string;
  createdAt: string;
}

export interface Message {
  id: string;
  from: UserSummary;
  to: UserSummary;
  text: string;
  createdAt: string;
}
export interface Conversation {
  with: UserSummary;
  lastMessage: Message;
}

/** What you are told: likes of one post are one notification (`count` likers, the latest in `actors`). */
export interface Notification {
  id: string;
  type: 'follow' | 'mention' | 'like' | 'comment';
  /** Who did it; for a like group the latest liker. */
  actor: UserSummary;
  count?: number;
  actors?: UserSummary[];
  post?: { id: string; excerpt: string | null };
  comment?: { id: string; excerpt: string };
  /** When it last changed (a like group moves up with each new like). */
  createdAt: string;
  read: boolean;
}
/** Pushed when an unread notification is taken back: which, and the unread count after it. */
export interface NotificationRemoved {
  id: string;
  type: Notification['type'];
  unread: number;
}
export interface NotificationPage extends Page<Notification> {
  /** Unread in all, not only on this page. */
  unread: number;
}

/** application/problem+json (RFC 9457). */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: Array<{ field: string; message: string }>;
  service?: string;
}
