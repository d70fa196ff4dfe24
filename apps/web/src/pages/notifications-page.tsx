// Your notifications, newest first, a page at a time ("More"). Opening the page marks them read
// (POST /notifications/read up to the newest shown, a marker); those that were unread stay marked
// "new" while you are here; one taken back is dropped. The first page is asked again on every new
// pushed notification, every (re)connect of the live stream and every 30 s while visible, and
// merged on top — the stream is a hint, the list is the truth. While notifications is down the page says so calmly and asks again
// every few seconds, so it fills in by itself when they are back.
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError, describeError } from '../api/client';
import type { NotificationPage } from '../api/types';
import { useLiveEvents, useLiveNotifications } from '../live-events';
import { appendOlder, mergeNewest } from '../notifications/notification-list';
import { NotificationItem } from '../notifications/notification-item';
import { useUnreadCount } from '../notifications/unread-count';
import { href } from '../router';
import { useSession } from '../session';
import { useVisibleInterval } from '../ui/use-visible-interval';

export const NOTIFICATION_PAGE_SIZE = 20;
const RETRY_MS = 4000;
const FRESH_MS = 30_000;

export function NotificationsPage() {
  const { session } = useSession();
  const token = session?.token;
  const { opened } = useLiveEvents();
  const { refresh: refreshCount, markedRead } = useUnreadCount();
  const [items, setItems] = useState<NotificationPage['items']>([]);
  // undefined: the first page is not in yet; null: the last page is in.
  const [nextCursor, setNextCursor] = useState<string | null | undefined>(undefined);
  const [loadingMore, setLoadingMore] = useState(false);
  const [down, setDown] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // Each failed load schedules one retry (the message does not change while it stays down).
  const [failures, setFailures] = useState(0);
  // Unread when first shown on this visit: they stay marked "new" after being marked read.
  const [fresh, setFresh] = useState<ReadonlySet<string>>(new Set());
  const pagesLoaded = useRef(0);
  const busy = useRef(false);
  const again = useRef(false);
  const markedUpTo = useRef<string | null>(null);
  // How many were unread when first shown: the newest that many, older pages' share included.
  const unreadAtOpen = useRef<number | null>(null);

  const markRead = useCallback(
    (newest: string) => {
      if (!token || markedUpTo.current === newest || document.visibilityState !== 'visible') return;
      markedUpTo.current = newest;
      api('POST', '/notifications/read', { token, body: { upTo: newest } })
        .then(markedRead)
        .catch(() => {
          markedUpTo.current = null; // marked on the next refresh instead
        });
    },
    [token, markedRead],
  );

  const loadFirst = useCallback(() => {
    if (!token) return;
    if (busy.current) {
      again.current = true;
      return;
    }
    busy.current = true;
    const q = new URLSearchParams({ limit: String(NOTIFICATION_PAGE_SIZE) });
    api<NotificationPage>('GET', `/notifications?${q.toString()}`, { token })
      .then((page) => {
        const complete = page.nextCursor === null;
        setItems((prev) => mergeNewest(prev, page.items, complete));
        if (pagesLoaded.current <= 1 || complete) {
          pagesLoaded.current = 1;
          setNextCursor(page.nextCursor);
        }
        unreadAtOpen.current ??= page.unread;
        setFresh((prev) => {
          const unread = page.items.filter((n) => !n.read && !prev.has(n.id));
          return unread.length ? new Set([...prev, ...unread.map((n) => n.id)]) : prev;
        });
        setDown(false);
        setError(null);
        if (page.items.length > 0) markRead(page.items[0].id);
      })
      .catch((err: unknown) => {
        if (err instanceof ApiError && err.service === 'notifications') setDown(true);
        else setError(describeError(err));
        setFailures((f) => f + 1);
        refreshCount(); // the bell learns it too
      })
      .finally(() => {
        busy.current = false;
        if (again.current) {
          again.current = false;
          loadFirst();
        }
      });
  }, [token, markRead, refreshCount]);

  const loadMore = () => {
    if (!token || !nextCursor || loadingMore) return;
    setLoadingMore(true);
    const q = new URLSearchParams({ limit: String(NOTIFICATION_PAGE_SIZE), cursor: nextCursor });
    api<NotificationPage>('GET', `/notifications?${q.toString()}`, { token })
      .then((page) => {
        pagesLoaded.current += 1;
        // Unread when the page opened (and read since, by opening it): still new here.
        const stillNew = page.items.filter((_, i) => items.length + i < (unreadAtOpen.current ?? 0));
        if (stillNew.length) setFresh((prev) => new Set([...prev, ...stillNew.map((n) => n.id)]));
        setItems((prev) => appendOlder(prev, page.items));
        setNextCursor(page.nextCursor);
        setError(null);
      })
      .catch((err: unknown) => {
        if (err instanceof ApiError && err.service === 'notifications') setDown(true);
        else setError(describeError(err));
      })
      .finally(() => setLoadingMore(false));
  };

  // On opening, and on every (re)connect of the stream: what was pushed meanwhile is in the list.
  useEffect(() => loadFirst(), [loadFirst, opened]);
  useLiveNotifications((push) => {
    // Taken back (an unlike, an unfollow while unread): gone from here too; anything new: ask.
    if (push.kind === 'removed') setItems((prev) => prev.filter((n) => n.id !== push.id));
    else loadFirst();
  });
  useVisibleInterval(loadFirst, FRESH_MS, Boolean(token) && !down && !error);
  // Down or failed: the first page again in a while, by itself (no reload, no dead end).
  useEffect(() => {
    if (failures === 0) return;
    const t = setTimeout(loadFirst, RETRY_MS);
    return () => clearTimeout(t);
  }, [failures, loadFirst]);

  if (!session) {
    return (
      <>
        <h1>Notifications</h1>
        <p>
          <a href={href.signin}>Sign in</a> to see who followed, mentioned, liked or commented.
        </p>
      </>
    );
  }
  const empty = nextCursor === null && items.length === 0;
  return (
    <>
      <h1>Notifications</h1>
      <div role="status" aria-live="polite">
        {down && (
          <p className="notice notice-warn">
            Notifications are unavailable right now — this page fills in by itself when they are back.
          </p>
        )}
        {error && <p className="notice notice-warn">{error} — trying again shortly.</p>}
      </div>
      {nextCursor === undefined && !down && !error && <p className="muted">Loading notifications…</p>}
      {empty && (
        <p className="muted">Nothing yet: you are told here when someone follows, mentions, likes or comments.</p>
      )}
      {items.length > 0 && (
        <ul className="notifications" aria-label="Notifications">
          {items.map((n) => (
            <NotificationItem key={n.id} notification={n} fresh={fresh.has(n.id)} />
          ))}
        </ul>
      )}
      <div role="status" aria-live="polite">
        {loadingMore && <p className="muted">Loading…</p>}
      </div>
      {nextCursor && !loadingMore && !down && (
        <button type="button" className="link-button" onClick={loadMore}>
          More
        </button>
      )}
    </>
  );
}
