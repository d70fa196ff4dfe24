// After a drill with home readers: their home feeds reconciled against the sources of truth once
// feed has caught up. A reader who follows the poster must have the poster's newest posts (up to
// the feed's cap), each once and nothing else; the follower that toggled its follow must have its
// followee's posts (a follow back-fills up to 100) if graph says it follows, and none if not.
import { http, type HttpResult } from './http.js';
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

async function pages(url: string, path: string, token?: string): Promise<Array<{ id: string }>> {
  const items: Array<{ id: string }> = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const res: HttpResult = await http(
      url,
      'GET',
      `${path}${sep}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      {
        token,
      },
    );
    if (res.status !== 200) throw new Error(`feeds: GET ${path} answered ${res.status}`);
    // Only a feed served by feed itself says what feed holds (a degraded one is built at read time).
    if (path.startsWith('/timeline/home') && (res.body.degraded as string[]).length > 0)
      throw new Error(`feeds: GET ${path} still degraded ${JSON.stringify(res.body.degraded)}`);
    items.push(...(res.body.items as Array<{ id: string }>));
    cursor = res.body.nextCursor;
  } while (cursor);
  return items;
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
  const posterPosts = (await pages(url, `/posts?author=${o.poster.user.username}`)).map((p) => p.id);
  for (const r of o.homeReaders) {
    const feed = (await pages(url, '/timeline/home', r.token)).map((p) => p.id);
    compare(out, r.user.username, feed, posterPosts);
  }
  if (o.follower) {
    const { who, followee } = o.follower;
    const following = await pages(url, `/users/${who.user.username}/following`);
    const follows = following.some((f) => (f as unknown as { user: { id: string } }).user.id === followee.user.id);
    const theirs = (await pages(url, `/posts?author=${followee.user.username}`)).map((p) => p.id);
    const feed = (await pages(url, '/timeline/home', who.token)).map((p) => p.id);
    // A follow back-fills the followee's newest 100.
    compare(out, who.user.username, feed, follows ? theirs.slice(0, 100) : []);
  }
  out.missing = await dated(url, out.missing);
  return out;
}
