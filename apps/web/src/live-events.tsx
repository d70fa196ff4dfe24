// One GET /events stream per signed-in tab (EventSource, with a single-use ticket from
// POST /events/ticket: no token in the URL): direct messages arrive without a reload. A ticket
// works once, so every (re)connection gets a new one: after an HTTP error (an edge restarting
// answers 503) or a dropped connection we open a new stream, backing off to 10 s. The edge ends
// the stream with `event: session-ended` when the token expires or the session is revoked: the
// next ticket's call refreshes the token, or signs out.
// The stream stays open while messaging is down (nothing is sent then, so nothing arrives): what
// the pages' messaging calls answered is kept beside it, so "live" is only said when both hold.
// `event: notification` (new, or a like group moved up) and `event: notification-removed` (an
// unread one taken back, with the unread count after it) are hints for the bell and the
// notifications page: each open of the
// stream is counted (`opened`), so they refetch what they show on every (re)connect — pushes made
// while no stream was open are not replayed; the list is the truth.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { api, ApiError } from './api/client';
import type { Message, Notification, NotificationRemoved } from './api/types';
import { useSession } from './session';

export type LiveState = 'off' | 'connecting' | 'live';
/** What the last messaging call said: unknown until one answers. */
export type MessagingState = 'unknown' | 'up' | 'down';
type Listener = (m: Message) => void;
/** A notification pushed live: a new one (or moved up), or an unread one taken back. */
export type NotificationPush =
  { kind: 'new'; notification: Notification } | ({ kind: 'removed' } & NotificationRemoved);
type NotificationListener = (push: NotificationPush) => void;

interface LiveValue {
  state: LiveState;
  messaging: MessagingState;
  /** A messaging call's outcome: no error (it answered) or the error it failed with. */
  reportMessaging: (err?: unknown) => void;
  subscribe: (fn: Listener) => () => void;
  /** How many times the stream has opened: a change means "you may have missed pushes". */
  opened: number;
  subscribeNotifications: (fn: NotificationListener) => () => void;
}

const LiveContext = createContext<LiveValue>({
  state: 'off',
  messaging: 'unknown',
  reportMessaging: () => {},
  subscribe: () => () => {},
  opened: 0,
  subscribeNotifications: () => () => {},
});

export function LiveEventsProvider({ children }: { children: ReactNode }) {
  const { session } = useSession();
  const token = session?.token;
  const [state, setState] = useState<LiveState>('off');
  const [messaging, setMessaging] = useState<MessagingState>('unknown');
  const [opened, setOpened] = useState(0);
  const listeners = useRef(new Set<Listener>());
  const notificationListeners = useRef(new Set<NotificationListener>());

  const reportMessaging = useCallback((err?: unknown) => {
    if (err === undefined) setMessaging('up');
    // Only a 503 naming messaging says it is down (a 503 for identity, a 400, the network do not).
    else if (err instanceof ApiError && err.service === 'messaging') setMessaging('down');
  }, []);
  useEffect(() => setMessaging('unknown'), [token]);

  useEffect(() => {
    if (!token) {
      setState('off');
      return;
    }
    let source: EventSource | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let backoffMs = 500;
    let stopped = false;
    const retry = () => {
      setState('connecting');
      timer = setTimeout(() => void open(), backoffMs);
      backoffMs = Math.min(backoffMs * 2, 10_000);
    };
    const open = async () => {
      setState('connecting');
      let ticket: string;
      try {
        ticket = (await api<{ ticket: string }>('POST', '/events/ticket', { token })).ticket;
      } catch {
        // A 401 that no refresh could mend has signed us out (the effect ends); anything else: later.
        if (!stopped) retry();
        return;
      }
      if (stopped) return;
      source = new EventSource(`/events?ticket=${encodeURIComponent(ticket)}`);
      source.onopen = () => {
        backoffMs = 500;
        setState('live');
        setOpened((n) => n + 1);
      };
      source.addEventListener('message', (e: MessageEvent<string>) => {
        try {
          const m = JSON.parse(e.data) as Message;
          listeners.current.forEach((fn) => fn(m));
        } catch {
          // not a message: ignore
        }
      });
      const push = (toPush: (data: unknown) => NotificationPush) => (e: MessageEvent<string>) => {
        let p: NotificationPush;
        try {
          p = toPush(JSON.parse(e.data));
        } catch {
          return; // not JSON: ignore
        }
        notificationListeners.current.forEach((fn) => fn(p));
      };
      source.addEventListener(
        'notification',
        push((data) => ({ kind: 'new', notification: data as Notification })),
      );
      source.addEventListener(
        'notification-removed',
        push((data) => ({ kind: 'removed', ...(data as NotificationRemoved) })),
      );
      source.addEventListener('session-ended', () => {
        source?.close();
        if (!stopped) void open();
      });
      source.onerror = () => {
        if (stopped || !source) return;
        // The browser would reconnect with the same (used) ticket: a new stream gets a new one.
        source.close();
        retry();
      };
    };
    void open();
    return () => {
      stopped = true;
      clearTimeout(timer);
      source?.close();
    };
  }, [token]);

  const subscribe = useCallback((fn: Listener) => {
    listeners.current.add(fn);
    return () => {
      listeners.current.delete(fn);
    };
  }, []);
  const subscribeNotifications = useCallback((fn: NotificationListener) => {
    notificationListeners.current.add(fn);
    return () => {
      notificationListeners.current.delete(fn);
    };
  }, []);
  const value = useMemo(
    () => ({ state, messaging, reportMessaging, subscribe, opened, subscribeNotifications }),
    [state, messaging, reportMessaging, subscribe, opened, subscribeNotifications],
  );
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}

export const useLiveEvents = () => useContext(LiveContext);

/** Calls `fn` for every message that arrives live, as long as the component is mounted. */
export function useLiveMessages(fn: Listener): void {
  const { subscribe } = useLiveEvents();
  const latest = useRef(fn);
  useEffect(() => {
    latest.current = fn;
  });
  useEffect(() => subscribe((m) => latest.current(m)), [subscribe]);
}

/** Calls `fn` for every notification pushed live (new or removed), as long as the component is mounted. */
export function useLiveNotifications(fn: NotificationListener): void {
  const { subscribeNotifications } = useLiveEvents();
  const latest = useRef(fn);
  useEffect(() => {
    latest.current = fn;
  });
  useEffect(() => subscribeNotifications((n) => latest.current(n)), [subscribeNotifications]);
}
