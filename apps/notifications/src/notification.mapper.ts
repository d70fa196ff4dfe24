import type { Notification } from '#contracts';
import type { NotificationRow } from './notifications.repository.js';

/** Entities never cross the wire: the stored row as the contract's Notification. */
export function toNotification(r: NotificationRow): Notification {
  return {
    id: r.id,
    type: r.type,
    actor: r.actor,
    ...(r.type === 'like' ? { count: r.count ?? 1, actors: r.actors ?? [r.actor] } : {}),
    ...(r.postId ? { post: { id: r.postId, excerpt: r.postExcerpt } } : {}),
    ...(r.commentId ? { comment: { id: r.commentId, excerpt: r.commentExcerpt ?? '' } } : {}),
    createdAt: r.createdAt.toISOString(),
    read: r.read,
  };
}

/** Opaque to clients: base64url of `n<seq>`. */
export function encodeSeqCursor(seq: string): string {
  return Buffer.from(`n${seq}`, 'utf8').toString('base64url');
}

/** The seq a cursor stands for, or null when it is not one this service gave out. */
export function decodeSeqCursor(cursor: string): string | null {
  const m = /^n(\d{1,18})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return m ? m[1] : null;
}
