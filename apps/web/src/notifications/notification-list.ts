// Pure parts of the notifications page: who did it, in words ("ann, bob and 3 others"), where an
// item leads, and merging a fresh first page into what is shown.
import type { Notification, UserSummary } from '../api/types';
import { href } from '../router';

/** The actors of a notification, latest first: one, or a like group's latest likers and how many more. */
export function actorsOf(n: Notification): { shown: UserSummary[]; others: number } {
  const shown = n.type === 'like' && n.actors?.length ? n.actors : [n.actor];
  const total = n.type === 'like' ? Math.max(n.count ?? shown.length, shown.length) : shown.length;
  return { shown, others: total - shown.length };
}

/** What happened, after the actors' names. */
export function verbOf(n: Notification): string {
  switch (n.type) {
    case 'follow':
      return 'followed you';
    case 'mention':
      return 'mentioned you';
    case 'like':
      return 'liked your post';
    case 'comment':
      return 'commented on your post';
  }
}

/** Where an item leads: the comment (on its post), the post, or the actor's profile. */
export function targetOf(n: Notification): string {
  if (n.comment && n.post) return href.comment(n.post.id, n.comment.id);
  if (n.post) return href.post(n.post.id);
  return href.user(n.actor.username);
}

/**
 * `current` with a freshly read first page on top: fresh items win (a like group moved up), and
 * what is below the fresh page stays; a shown item the fresh page's span should hold but does not
 * was taken back (an unlike while unread) and goes. A last page (`complete`) is the whole list.
 */
export function mergeNewest(current: Notification[], fresh: Notification[], complete: boolean): Notification[] {
  if (complete) return fresh;
  if (fresh.length === 0) return current;
  const ids = new Set(fresh.map((n) => n.id));
  const oldest = fresh[fresh.length - 1].createdAt;
  return [...fresh, ...current.filter((n) => !ids.has(n.id) && n.createdAt < oldest)];
}

/** `current` with an older page appended, none twice. */
export function appendOlder(current: Notification[], older: Notification[]): Notification[] {
  const ids = new Set(current.map((n) => n.id));
  return [...current, ...older.filter((n) => !ids.has(n.id))];
}
