// One GET /events stream per signed-in tab (EventSource, token in ?access_token=): direct
// messages arrive without a reload. EventSource retries a dropped connection itself, but gives up
// on an HTTP error (an edge restarting answers 503): then we open a new one, backing off to 10 s.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { Message } from './api/types';
import { useSession } from './session';

export type LiveState = 'off' | 'connecting' | 'live';
type Listener = (m: Message) => void;

interface LiveValue {
  state: LiveState;
  subscribe: (fn: Listener) => () => void;
}

const LiveContext = createContext<LiveValue>({ state: 'off', subscribe: () => () => {} });

export function LiveEventsProvider({ children }: { children: ReactNode }) {
  const { session } = useSession();
  const token = session?.token;
  const [state, setState] = useState<LiveState>('off');
  const listeners = useRef(new Set<Listener>());

  useEffect(() => {
    if (!token) {
      setState('off');
      return;
    }
    let source: EventSource | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let backoffMs = 500;
    let stopped = false;
    const open = () => {
      setState('connecting');
      source = new EventSource(`/events?access_token=${encodeURIComponent(token)}`);
      source.onopen = () => {
        backoffMs = 500;
        setState('live');
      };
      source.addEventListener('message', (e: MessageEvent<string>) => {
        try {
          const m = JSON.parse(e.data) as Message;
          listeners.current.forEach((fn) => fn(m));
        } catch {
          // not a message: ignore
        }
      });
      source.onerror = () => {
        if (stopped || !source) return;
        if (source.readyState === EventSource.CLOSED) {
          setState('connecting');
          timer = setTimeout(open, backoffMs);
          backoffMs = Math.min(backoffMs * 2, 10_000);
        } else setState('connecting');
      };
    };
    open();
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
  const value = useMemo(() => ({ state, subscribe }), [state, subscribe]);
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
