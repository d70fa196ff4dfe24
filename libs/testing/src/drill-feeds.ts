// After a drill with home readers: their home feeds reconciled against the sources of truth once
// feed has caught up. A reader who follows the poster must have the poster's newest posts (up to
// the feed's cap), each once and nothing else; the follower that toggled its follow must have its
// followee's posts (a follow back-fills up to 100) if graph says it follows, and none if not.
import { allPages } from './drill-reconcile.js';
import { http } from './http.js';
import type { DrillAccount } from './drill-load.js';

/** A feed keeps its newest 800 (FEED_MAX_ITEMS); ties at the cut may fall either side of it. */
const FEED_CAP = 800;
const CAP_MARGIN = 10;

export interface FeedReconciliation {
  /** Home feeds compared. */
  users: number;
  /** Post references compared in all. */
  checked: number;
  /** `<username> <post id>`: expected in the feed and absent. */
  missing: string[];
  /** `<username> <post id> ×n`: in the feed more than once. */
  twice: string[];
  /** `<username> <post id>`: in the feed though no followee wrote it (or it was deleted). */
  extra: string[];
}

function compare(out: FeedReconciliation, who: string, feed: string[], expected: string[]): void {
  out.users++;
  out.checked += feed.length;
  const seen = new Map<string, number>();
  for (const id of feed) seen.set(id, (seen.get(id) ?? 0) + 1);
  for (const [id, n] of seen) if (n > 1) out.twice.push(`${who} ${id} ×${n}`);
  const allowed = new Set(expected);
  for (const id of seen.keys()) if (!allowed.has(id)) out.extra.push(`${who} ${id}`);
  const surely = expected.length <= FEED_CAP ? expected : expected.slice(0, FEED_CAP - CAP_MARGIN);
  for (const id of surely) if (!seen.has(id)) out.missing.push(`${who} ${id}`);
}

/** Each missing post's `createdAt`, so the report can say under which fault it was written. */
async function dated(url: string, entries: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const e of entries) {
    const id = e.split(' ')[1];
    const res = await http(url, 'GET', `/posts/${id}`);
    out.push(`${e} (created ${res.status === 200 ? String(res.body.createdAt) : `? ${res.status}`})`);
  }
  return out;
}

export async function reconcileFeeds(
  url: string,
  o: {
    /** Each follows `poster` only. */
    homeReaders: DrillAccount[];
    poster: DrillAccount;
    /** Follows `followee` or not, as graph says; follows no one else. */
    follower?: { who: DrillAccount; followee: DrillAccount };
  },
): Promise<FeedReconciliation> {
  const out: FeedReconciliation = { users: 0, checked: 0, missing: [], twice: [], extra: [] };
  const posterPosts = (await allPages<{ id: string }>(url, `/posts?author=${o.poster.user.username}`)).map((p) => p.id);
  for (const r of o.homeReaders) {
    const feed = (await allPages<{ id: string }>(url, '/timeline/home', r.token)).map((p) => p.id);
    compare(out, r.user.username, feed, posterPosts);
  }
  if (o.follower) {
    const { who, followee } = o.follower;
    const following = await allPages<{ id: string }>(url, `/users/${who.user.username}/following`);
    const follows = following.some((f) => (f as unknown as { user: { id: string } }).user.id === followee.user.id);
    const theirs = (await allPages<{ id: string }>(url, `/posts?author=${followee.user.username}`)).map((p) => p.id);
    const feed = (await allPages<{ id: string }>(url, '/timeline/home', who.token)).map((p) => p.id);
    // A follow back-fills the followee's newest 100.
    compare(out, who.user.username, feed, follows ? theirs.slice(0, 100) : []);
  }
  out.missing = await dated(url, out.missing);
  return out;
}
