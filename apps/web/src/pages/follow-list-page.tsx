// A user's followers or whom they follow, newest follow first, a page at a time ("More"). Each row
// links to the profile and, signed in, has Follow / Unfollow (not on your own row). While graph is
// down the lists cannot be told: the page says so calmly and asks again every few seconds, so it
// fills in by itself when graph is back.
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError, describeError, newKey } from '../api/client';
import type { FollowRecord, Page } from '../api/types';
import { href } from '../router';
import { useSession } from '../session';
import { formatTime } from '../ui/time';

export const FOLLOW_PAGE_SIZE = 10;
const RETRY_MS = 4000;

type Row = FollowRecord & { followedByMe: boolean | null };

export function FollowListPage({ side, username }: { side: 'followers' | 'following'; username: string }) {
  const { session } = useSession();
  const token = session?.token;
  const [rows, setRows] = useState<Row[]>([]);
  // undefined: the first page is not in yet; null: the last page is in.
  const [nextCursor, setNextCursor] = useState<string | null | undefined>(undefined);
  const [loading, setLoading] = useState(false);
  const [graphDown, setGraphDown] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [missing, setMissing] = useState(false);
  const busy = useRef(false);

  const load = useCallback(
    (cursor: string | null) => {
      if (busy.current) return;
      busy.current = true;
      setLoading(true);
      const q = new URLSearchParams({ limit: String(FOLLOW_PAGE_SIZE) });
      if (cursor) q.set('cursor', cursor);
      api<Page<Row>>('GET', `/users/${encodeURIComponent(username)}/${side}?${q.toString()}`, { token })
        .then((page) => {
          setRows((prev) => {
            const seen = new Set(prev.map((r) => r.user.id));
            return [...prev, ...page.items.filter((r) => !seen.has(r.user.id))];
          });
          setNextCursor(page.nextCursor);
          setGraphDown(false);
          setError(null);
        })
        .catch((err: unknown) => {
          if (err instanceof ApiError && err.status === 404) setMissing(true);
          else if (err instanceof ApiError && err.service === 'graph') setGraphDown(true);
          else setError(describeError(err));
        })
        .finally(() => {
          busy.current = false;
          setLoading(false);
        });
    },
    [username, side, token],
  );

  useEffect(() => {
    if (nextCursor === undefined && !graphDown && !error && !missing) load(null);
  }, [nextCursor, graphDown, error, missing, load]);
  // Down or failed: the same page again in a while, by itself (no reload, no dead end).
  useEffect(() => {
    if (!graphDown && !error) return;
    const t = setTimeout(() => {
      setError(null);
      load(nextCursor ?? null);
    }, RETRY_MS);
    return () => clearTimeout(t);
  }, [graphDown, error, nextCursor, load]);

  const setFollowed = (id: string, value: boolean) =>
    setRows((prev) => prev.map((r) => (r.user.id === id ? { ...r, followedByMe: value } : r)));
  const toggle = async (row: Row) => {
    if (!session || typeof row.followedByMe !== 'boolean') return;
    const follow = !row.followedByMe;
    setFollowed(row.user.id, follow);
    try {
      await api(follow ? 'PUT' : 'DELETE', `/users/${encodeURIComponent(row.user.username)}/follow`, {
        token: session.token,
        idempotencyKey: newKey(),
      });
    } catch (err) {
      setFollowed(row.user.id, !follow);
      if (err instanceof ApiError && err.service === 'graph') setGraphDown(true);
      else setError(describeError(err));
    }
  };

  const title = side === 'followers' ? `Followers of @${username}` : `Followed by @${username}`;
  return (
    <>
      <h1>{title}</h1>
      <p className="muted">
        <a href={href.user(username)}>Back to @{username}</a>
        {' · '}
        {side === 'followers' ? (
          <a href={href.following(username)}>Following</a>
        ) : (
          <a href={href.followers(username)}>Followers</a>
        )}
      </p>
      <div role="status" aria-live="polite">
        {graphDown && (
          <p className="notice notice-warn">
            Follower lists are unavailable right now — this page fills in by itself when they are back.
          </p>
        )}
        {error && <p className="notice notice-warn">{error} — trying again shortly.</p>}
        {missing && <p className="notice notice-warn">There is no user @{username}.</p>}
      </div>
      <ul className="follow-list" aria-label={title} aria-busy={loading}>
        {rows.map((row) => {
          const mine = session?.user.id === row.user.id;
          return (
            <li key={row.user.id}>
              <span>
                <a className="author" href={href.user(row.user.username)}>
                  {row.user.displayName} <span className="muted">@{row.user.username}</span>
                </a>{' '}
                <span className="muted">since {formatTime(row.since)}</span>
              </span>
              {session && !mine && typeof row.followedByMe === 'boolean' && (
                <button
                  type="button"
                  aria-label={`${row.followedByMe ? 'Unfollow' : 'Follow'} @${row.user.username}`}
                  aria-pressed={row.followedByMe}
                  disabled={graphDown}
                  onClick={() => void toggle(row)}
                >
                  {row.followedByMe ? 'Unfollow' : 'Follow'}
                </button>
              )}
            </li>
          );
        })}
      </ul>
      <div role="status" aria-live="polite">
        {loading && <p className="muted">Loading…</p>}
        {!loading && nextCursor === null && rows.length === 0 && (
          <p className="muted">{side === 'followers' ? 'No followers yet.' : 'Not following anyone yet.'}</p>
        )}
      </div>
      {nextCursor && !loading && !graphDown && (
        <button type="button" className="link-button" onClick={() => load(nextCursor)}>
          More
        </button>
      )}
    </>
  );
}
