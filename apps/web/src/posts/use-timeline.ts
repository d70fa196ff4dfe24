// A timeline (global or one author's) loaded page by page on the cursor. While any loaded post
// lacks a part (`degraded`, e.g. likes down), the pages holding such posts are asked again every
// few seconds and merged in place, so the page heals by itself when the service is back; while
// all is well, the newest page is merged in every few seconds (fresh counts, and an outage noticed
// before anyone clicks a like that cannot work); an empty timeline takes the newest page as it
// is. All only while the page is visible.
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, describeError } from '../api/client';
import type { Post, PostPage } from '../api/types';
import { useVisibleInterval } from '../ui/use-visible-interval';

export const PAGE_SIZE = 10;
export const HEAL_EVERY_MS = 3000;
/**
 * How often a healthy, visible timeline merges its newest page: one GET /posts (a constant
 * number of NATS requests, whatever the page size), so an outage shows within about 5 s.
 */
export const FRESH_EVERY_MS = 5000;
const RETRY_EVERY_MS = 4000;

export interface Timeline {
  posts: Post[];
  /** false once the last page is in. */
  hasMore: boolean;
  loading: boolean;
  /** Why the last page did not load (it is asked again by itself). */
  error: string | null;
  /** Services some loaded post lacks right now. */
  degraded: string[];
  loadMore: () => void;
  update: (id: string, change: (p: Post) => Post) => void;
  /** Changes every loaded post by this author (a follow from one post shows on all of theirs). */
  updateAuthor: (authorId: string, change: (p: Post) => Post) => void;
  prepend: (p: Post) => void;
}

/** `home`: the signed-in user's home feed (GET /timeline/home); else the global or one author's. */
export function useTimeline(o: { author?: string; token?: string | null; home?: boolean }): Timeline {
  const [posts, setPosts] = useState<Post[]>([]);
  const [nextCursor, setNextCursor] = useState<string | null | undefined>(undefined);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // The home feed built at read time (feed down) says so on the page, not on its posts.
  const [feedDown, setFeedDown] = useState(false);
  // The cursor each loaded page was asked with, and which page each post came on.
  const pageCursors = useRef<Array<string | null>>([]);
  const pageOf = useRef(new Map<string, number>());
  const busy = useRef(false);
  const generation = useRef(0);

  const query = useCallback(
    (cursor: string | null) => {
      const q = new URLSearchParams({ limit: String(PAGE_SIZE) });
      if (o.author) q.set('author', o.author);
      if (cursor) q.set('cursor', cursor);
      return api<PostPage>('GET', `${o.home ? '/timeline/home' : '/posts'}?${q.toString()}`, { token: o.token });
    },
    [o.author, o.token, o.home],
  );

  const loadMore = useCallback(() => {
    if (busy.current || nextCursor === null) return;
    busy.current = true;
    const gen = generation.current;
    const cursor = nextCursor ?? null;
    setLoading(true);
    query(cursor)
      .then((page) => {
        if (gen !== generation.current) return;
        const index = pageCursors.current.push(cursor) - 1;
        setPosts((prev) => {
          const seen = new Set(prev.map((p) => p.id));
          const fresh = page.items.filter((p) => !seen.has(p.id));
          fresh.forEach((p) => pageOf.current.set(p.id, index));
          return [...prev, ...fresh];
        });
        setNextCursor(page.nextCursor);
        if (index === 0) setFeedDown(page.degraded.includes('feed'));
        setError(null);
      })
      .catch((err: unknown) => {
        if (gen === generation.current) setError(describeError(err));
      })
      .finally(() => {
        if (gen !== generation.current) return;
        busy.current = false;
        setLoading(false);
      });
  }, [nextCursor, query]);

  // A new author or another user: start over.
  useEffect(() => {
    generation.current++;
    busy.current = false;
    pageCursors.current = [];
    pageOf.current = new Map();
    setPosts([]);
    setError(null);
    setFeedDown(false);
    setLoading(false);
    setNextCursor(undefined);
  }, [query]);

  // The first page, and a failed page again after a while (no endless spinner, no dead end).
  useEffect(() => {
    if (nextCursor === undefined && !error && !busy.current) loadMore();
  }, [nextCursor, error, loadMore]);
  useEffect(() => {
    if (!error) return;
    const t = setTimeout(() => {
      setError(null);
      if (nextCursor !== undefined) loadMore();
    }, RETRY_EVERY_MS);
    return () => clearTimeout(t);
  }, [error, nextCursor, loadMore]);

  const shown = useRef(posts);
  useEffect(() => {
    shown.current = posts;
  }, [posts]);
  // When each post was last changed here (a like, a like's 503): an answer asked for before that
  // must not put the old version back.
  const touched = useRef(new Map<string, number>());
  const refreshing = useRef(false);
  const degraded = [...new Set([...posts.flatMap((p) => p.degraded), ...(feedDown ? ['feed'] : [])])].sort();
  const isDegraded = degraded.length > 0;
  const refresh = useCallback(() => {
    // Degraded: the pages holding degraded posts. Healthy: the newest page, so counts stay fresh
    // and a page notices a service going down without a reload. Never two rounds at once.
    if (refreshing.current || pageCursors.current.length === 0) return;
    const gen = generation.current;
    const asked = performance.now();
    const sick = shown.current.filter((p) => p.degraded.length > 0);
    const pages = sick.length > 0 ? new Set(sick.map((p) => pageOf.current.get(p.id) ?? 0)) : new Set([0]);
    refreshing.current = true;
    const rounds = [...pages].map((index) =>
      query(pageCursors.current[index] ?? null).then(
        (page) => {
          if (gen !== generation.current) return;
          if (index === 0) setFeedDown(page.degraded.includes('feed'));
          // An empty timeline takes the first page as it is now: nothing shown can shift, and a
          // Home just followed into (feed still filling it) shows the posts without a reload.
          if (index === 0 && shown.current.length === 0 && page.items.length > 0) {
            page.items.forEach((p) => pageOf.current.set(p.id, 0));
            setPosts((prev) => (prev.length === 0 ? page.items : prev));
            setNextCursor(page.nextCursor);
            return;
          }
          const byId = new Map(page.items.map((p) => [p.id, p]));
          setPosts((prev) => prev.map((p) => ((touched.current.get(p.id) ?? -1) > asked ? p : (byId.get(p.id) ?? p))));
        },
        () => {
          // posts itself is down, or the network: keep what is shown; the next round asks again.
        },
      ),
    );
    void Promise.all(rounds).finally(() => {
      refreshing.current = false;
    });
  }, [query]);
  useVisibleInterval(refresh, isDegraded ? HEAL_EVERY_MS : FRESH_EVERY_MS);

  const update = useCallback((id: string, change: (p: Post) => Post) => {
    touched.current.set(id, performance.now());
    setPosts((prev) => prev.map((p) => (p.id === id ? change(p) : p)));
  }, []);
  const updateAuthor = useCallback((authorId: string, change: (p: Post) => Post) => {
    const now = performance.now();
    setPosts((prev) =>
      prev.map((p) => {
        if (p.author.id !== authorId) return p;
        touched.current.set(p.id, now);
        return change(p);
      }),
    );
  }, []);
  const prepend = useCallback((p: Post) => {
    pageOf.current.set(p.id, 0);
    setPosts((prev) => [p, ...prev.filter((x) => x.id !== p.id)]);
  }, []);

  return { posts, hasMore: nextCursor !== null, loading, error, degraded, loadMore, update, updateAuthor, prepend };
}
