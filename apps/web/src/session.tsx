// Who is signed in: the access token, the refresh token and the user, kept in localStorage so a
// reload stays signed in. The access token lives minutes: it is refreshed a minute before it
// expires and whenever the edge refuses it. Tabs share one session, so one refresh at a time
// across them (Web Locks): a refresh token works once, and a second use would end the session.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, ApiError, setTokenRefresher, setUnauthorizedHandler } from './api/client';
import type { AuthReply, Session } from './api/types';

const KEY = 'failsoft.session';
const LOCK = 'failsoft.session.refresh';
/** Refresh this long before the access token expires. */
const EARLY_MS = 60_000;

function load(): Session | null {
  try {
    const s = JSON.parse(localStorage.getItem(KEY) ?? 'null') as Session | null;
    return s && typeof s.token === 'string' && s.user ? s : null;
  } catch {
    return null;
  }
}

function store(s: Session | null): void {
  if (s) localStorage.setItem(KEY, JSON.stringify(s));
  else localStorage.removeItem(KEY);
}

/** What sign-up, login and refresh answer, as kept. */
export function toSession(r: AuthReply): Session {
  return {
    token: r.token,
    refreshToken: r.refreshToken,
    expiresAt: Date.now() + r.expiresIn * 1000,
    user: { id: r.user.id, username: r.user.username, displayName: r.user.displayName },
  };
}

/**
 * The session after refreshing `stale`: another tab's newer one if it refreshed first; null when
 * the session is over; the stored one, unrefreshed, when identity cannot be reached now.
 */
async function refreshSession(stale: string): Promise<Session | null> {
  const run = async (): Promise<Session | null> => {
    const current = load();
    if (!current || current.token !== stale) return current;
    if (!current.refreshToken) return null;
    try {
      const next = toSession(
        await api<AuthReply>('POST', '/auth/refresh', { body: { refreshToken: current.refreshToken } }),
      );
      store(next);
      return next;
    } catch (err) {
      if (err instanceof ApiError && (err.status === 401 || err.status === 400)) {
        store(null);
        return null;
      }
      return current;
    }
  };
  // Web Locks exist in secure contexts (https, localhost); elsewhere one tab's refreshes still queue.
  return navigator.locks ? navigator.locks.request(LOCK, run) : run();
}

interface SessionValue {
  session: Session | null;
  signIn: (s: Session) => void;
  /** Forgets the session here (the edge refused it). */
  signOut: () => void;
  /** Ends the session at the edge (its tokens stop working everywhere), then forgets it. */
  logOut: () => Promise<void>;
}

const SessionContext = createContext<SessionValue>({
  session: null,
  signIn: () => {},
  signOut: () => {},
  logOut: async () => {},
});

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(load);
  const signIn = useCallback((s: Session) => {
    store(s);
    setSession(s);
  }, []);
  const signOut = useCallback(() => {
    store(null);
    setSession(null);
  }, []);
  const logOut = useCallback(async () => {
    const s = load();
    signOut();
    // Best effort: with identity down the tokens expire on their own within minutes.
    if (s) await api('POST', '/auth/logout', { token: s.token, refresh: false }).catch(() => undefined);
  }, [signOut]);
  useEffect(() => {
    setTokenRefresher(async (stale) => {
      const next = await refreshSession(stale);
      setSession(next);
      if (!next) return null;
      return next.token === stale ? undefined : next.token;
    });
    // A refused token that cannot be refreshed: back to signed out, on the sign-in page.
    setUnauthorizedHandler(() => {
      signOut();
      location.hash = '#/signin';
    });
    // Signed in, refreshed or out in another tab.
    const onStorage = (e: StorageEvent) => e.key === KEY && setSession(load());
    addEventListener('storage', onStorage);
    return () => removeEventListener('storage', onStorage);
  }, [signOut]);
  // Refresh ahead of expiry, so calls and the live stream rarely meet an expired token.
  useEffect(() => {
    if (!session?.expiresAt || !session.refreshToken) return;
    const stale = session.token;
    const timer = setTimeout(
      () => void refreshSession(stale).then((next) => setSession(next)),
      Math.max(0, session.expiresAt - Date.now() - EARLY_MS),
    );
    return () => clearTimeout(timer);
  }, [session]);
  const value = useMemo(() => ({ session, signIn, signOut, logOut }), [session, signIn, signOut, logOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export const useSession = () => useContext(SessionContext);
