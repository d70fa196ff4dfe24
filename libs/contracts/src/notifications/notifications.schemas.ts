import { z } from 'zod';
import { Uuid, type AuthorSummary } from '../common/ids.js';
import { Cursor } from '../common/pagination.js';

export const NotificationTypes = ['follow', 'mention', 'like', 'comment'] as const;
export type NotificationType = (typeof NotificationTypes)[number];

/** At most this many of the latest likers on a grouped like notification. */
export const NOTIFICATION_MAX_ACTORS = 3;

/**
 * What a user is told. Actors are the summaries the events carried (names as of the action): no
 * call to identity per page. Likes of one post are one notification: `count` likers, the latest
 * first in `actors`, `actor` the latest of them.
 */
export interface Notification {
  id: string;
  type: NotificationType;
  actor: AuthorSummary;
  /** Likes only: how many like the post now (not counting its author). */
  count?: number;
  /** Likes only: the latest likers, newest first (at most NOTIFICATION_MAX_ACTORS). */
  actors?: AuthorSummary[];
  post?: { id: string; excerpt: string | null };
  comment?: { id: string; excerpt: string };
  /** When it last changed (a like group moves up with each new like). */
  createdAt: string;
  read: boolean;
}

/**
 * Pushed live as `event: notification-removed` when an unread notification is taken back: which
 * one, and the recipient's unread count after it went (a client sets its count to it).
 */
export interface NotificationRemoved {
  id: string;
  type: NotificationType;
  unread: number;
}

export const ListNotificationsRequest = z.strictObject({
  userId: Uuid,
  limit: z.number().int().min(1).max(100),
  cursor: Cursor.optional(),
});
export type ListNotificationsRequest = z.infer<typeof ListNotificationsRequest>;

export interface NotificationPage {
  items: Notification[];
  nextCursor: string | null;
  /** Unread notifications in all, not only on this page. */
  unread: number;
}

export const UnreadCountRequest = z.strictObject({ userId: Uuid });
export type UnreadCountRequest = z.infer<typeof UnreadCountRequest>;

export interface UnreadCountReply {
  unread: number;
}

/** The HTTP body of `POST /notifications/read`: everything up to this one, and older, is read. */
export const MarkReadBody = z.strictObject({ upTo: Uuid });
export type MarkReadBody = z.infer<typeof MarkReadBody>;

export const MarkReadRequest = z.strictObject({ userId: Uuid, upTo: Uuid });
export type MarkReadRequest = z.infer<typeof MarkReadRequest>;
