// The bell's number, one per signed-in tab: GET /notifications/unread-count when you sign in, on
// every (re)open of the live stream (pushes made while it was closed are not replayed), on every
// pushed notification (a hint: the count is asked, not added up, since a like on a grouped post
// moves one notification instead of adding one; a removal carries the count after it, taken as
// is), and every 30 s while the tab is visible. Calls never overlap: a hint during one asks once
// more after it. While notifications is down (a 503
// naming it) the count is unknown, not an error, and is asked every 4 s, so the bell comes back
// by itself. Marking read in one tab tells the others (a BroadcastChannel), whose bells ask again:
// no push says so.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { api, ApiError } from '../api/client';
import { useLiveEvents, useLiveNotifications } from '../live-events';
import { useSession } from '../session';
import { useVisibleInterval } from '../ui/use-visible-interval';

/** A safety net only: the stream brings changes within a second. */
export const UNREAD_FRESH_MS = 30_000;
export const UNREAD_RETRY_MS = 4000;

interface UnreadValue {
  /** null: not known (not signed in, not answered yet, or notifications down). */
  unread: number | null;
  /** The last call was a 503 naming notifications. */
  down: boolean;
  /** Ask again (when a page learnt something). */
  refresh: () => void;
  /** You marked read here: ask again, and tell this browser's other tabs to. */
  markedRead: () => void;
}

const UnreadContext = createContext<UnreadValue>({
  unread: null,
  down: false,
  refresh: () => {},
  markedRead: () => {},
});
const CHANNEL = 'failsoft.notifications';

export function UnreadCountProvider({ children }: { children: ReactNode }) {
  const { session } = useSession();
  const token = session?.token;
  const { opened } = useLiveEvents();
  const [unread, setUnread] = useState<number | null>(null);
  const [down, setDown] = useState(false);
  const [failing, setFailing] = useState(false);
  const busy = useRef(false);
  const again = useRef(false);
  const current = useRef(token);
  current.current = token;

  const refresh = useCallback(() => {
    if (!token) return;
    if (busy.current) {
      again.current = true;
      return;
    }
    busy.current = true;
    api<{ unread: number }>('GET', '/notifications/unread-count', { token })
      .then(
        (r) => {
          if (current.current !== token) return;
          setUnread(r.unread);
          setDown(false);
          setFailing(false);
        },
        (err: unknown) => {
          if (current.current !== token) return;
          setFailing(true);
          if (err instanceof ApiError && err.service === 'notifications') {
            setDown(true);
            setUnread(null);
          }
          // Anything else (offline, a refreshing token): keep the last count, ask again soon.
        },
      )
      .finally(() => {
        busy.current = false;
        if (again.current) {
          again.current = false;
          refresh();
        }
      });
  }, [token]);

  useEffect(() => {
    setUnread(null);
    setDown(false);
    setFailing(false);
  }, [token]);
  // Signed in, and every (re)connect of the stream.
  useEffect(() => refresh(), [refresh, opened]);
  useLiveNotifications((push) => {
    // A removal says the count after it; a new one (or a like group moved up) is asked.
    if (push.kind === 'removed' && !busy.current) setUnread(push.unread);
    else refresh();
  });
  const channel = useRef<BroadcastChannel | null>(null);
  useEffect(() => {
    if (typeof BroadcastChannel === 'undefined') return;
    const c = new BroadcastChannel(CHANNEL);
    c.onmessage = () => refresh();
    channel.current = c;
    return () => {
      channel.current = null;
      c.close();
    };
  }, [refresh]);
  const markedRead = useCallback(() => {
    refresh();
    channel.current?.postMessage('read');
  }, [refresh]);
  useVisibleInterval(refresh, failing ? UNREAD_RETRY_MS : UNREAD_FRESH_MS, Boolean(token));

  const value = useMemo(
    () => ({ unread: token ? unread : null, down, refresh, markedRead }),
    [token, unread, down, refresh, markedRead],
  );
  return <UnreadContext.Provider value={value}>{children}</UnreadContext.Provider>;
}

export const useUnreadCount = () => useContext(UnreadContext);
