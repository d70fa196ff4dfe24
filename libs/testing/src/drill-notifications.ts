// After a drill with a notifications outage: the recipient's notifications reconciled against the
// sources of truth once notifications has caught up. The recipient (the author of the liked and
// commented posts, the followee of the follower) never marks anything read, so every notification
// the actions should have made is there, unread: one like notification per post with live likes
// (their count as likes lists them), one per live comment of the commenter, one follow if graph
// says the follower follows; none twice, nothing else, and the unread count equal to the list.
import { allPages } from './drill-reconcile.js';
import { http } from './http.js';
import type { DrillAccount } from './drill-load.js';

export interface NotificationReconciliation {
  /** Notifications the sources of truth call for. */
  expected: number;
  /** Notifications listed. */
  listed: number;
  /** `<type> <post or comment or user id>`: called for and absent. */
  missing: string[];
  /** `<type> <id> ×n`: listed more than once. */
  twice: string[];
  /** `<type> <id>`: listed though nothing calls for it. */
  extra: string[];
  /** `like <post id> count n, likes says m`: a like group counting wrong. */
  wrongCount: string[];
  /** GET /notifications/unread-count, and what it should be (everything listed is unread). */
  unread: number;
  unreadExpected: number;
}

interface Listed {
  id: string;
  type: string;
  actor: { id: string };
  count?: number;
  post?: { id: string };
  comment?: { id: string };
}

/** What a notification is about: the liked post, the comment, the follower. */
const subjectOf = (n: Listed) =>
  `${n.type} ${n.type === 'comment' ? n.comment?.id : n.type === 'follow' ? n.actor.id : n.post?.id}`;

export function compareNotifications(
  listed: Listed[],
  expected: Map<string, { count?: number }>,
  unread: number,
): NotificationReconciliation {
  const out: NotificationReconciliation = {
    expected: expected.size,
    listed: listed.length,
    missing: [],
    twice: [],
    extra: [],
    wrongCount: [],
    unread,
    // Nothing was marked read: the count is the whole list.
    unreadExpected: listed.length,
  };
  const seen = new Map<string, Listed[]>();
  for (const n of listed) seen.set(subjectOf(n), [...(seen.get(subjectOf(n)) ?? []), n]);
  for (const [key, ns] of seen) {
    if (ns.length > 1) out.twice.push(`${key} ×${ns.length}`);
    const want = expected.get(key);
    if (!want) out.extra.push(key);
    else if (want.count !== undefined && ns[0].count !== want.count)
      out.wrongCount.push(`${key} count ${ns[0].count}, likes says ${want.count}`);
  }
  for (const key of expected.keys()) if (!seen.has(key)) out.missing.push(key);
  return out;
}

export async function reconcileNotifications(
  url: string,
  o: {
    /** Wrote `posts`; never reads its notifications. */
    recipient: DrillAccount;
    /** The recipient's posts that were liked and commented on. */
    posts: string[];
    /** Whose comments on `posts` count (others' are not the drill's). */
    commenter?: DrillAccount;
    /** Follows and unfollows the recipient in turn. */
    follower?: DrillAccount;
  },
): Promise<NotificationReconciliation> {
  const expected = new Map<string, { count?: number }>();
  for (const postId of o.posts) {
    const likes = await http(url, 'GET', `/posts/${postId}/likes?limit=1`);
    if (likes.status !== 200) throw new Error(`notifications: GET /posts/${postId}/likes answered ${likes.status}`);
    // The recipient's own like (none in a drill) would not count.
    if (likes.body.count > 0) expected.set(`like ${postId}`, { count: likes.body.count });
    if (o.commenter) {
      const comments = await allPages<{ id: string; author: { id: string } }>(url, `/posts/${postId}/comments`);
      for (const c of comments) if (c.author.id === o.commenter.user.id) expected.set(`comment ${c.id}`, {});
    }
  }
  if (o.follower) {
    const followers = await allPages<{ user: { id: string } }>(url, `/users/${o.recipient.user.username}/followers`);
    if (followers.some((f) => f.user.id === o.follower!.user.id)) expected.set(`follow ${o.follower.user.id}`, {});
  }
  const listed = await allPages<Listed>(url, '/notifications', o.recipient.token);
  const count = await http(url, 'GET', '/notifications/unread-count', { token: o.recipient.token });
  if (count.status !== 200) throw new Error(`notifications: GET /notifications/unread-count answered ${count.status}`);
  return compareNotifications(listed, expected, count.body.unread as number);
}

/** Notifications wrong after the drill: missing, twice, not called for, counting wrong, or a wrong unread count. */
export const notificationErrors = (r: NotificationReconciliation) =>
  r.missing.length + r.twice.length + r.extra.length + r.wrongCount.length + (r.unread === r.unreadExpected ? 0 : 1);
