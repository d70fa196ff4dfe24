// Who is signed in: the token and user, kept in localStorage so a reload stays signed in.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { setUnauthorizedHandler } from './api/client';
import type { Session } from './api/types';

const KEY = 'failsoft.session';

function load(): Session | null {
  try {
    const s = JSON.parse(localStorage.getItem(KEY) ?? 'null') as Session | null;
    return s && typeof s.token === 'string' && s.user ? s : null;
  } catch {
    return null;
  }
}

interface SessionValue {
  session: Session | null;
  signIn: (s: Session) => void;
  signOut: () => void;
}

const SessionContext = createContext<SessionValue>({ session: null, signIn: () => {}, signOut: () => {} });

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(load);
  const signIn = useCallback((s: Session) => {
    localStorage.setItem(KEY, JSON.stringify(s));
    setSession(s);
  }, []);
  const signOut = useCallback(() => {
    localStorage.removeItem(KEY);
    setSession(null);
  }, []);
  useEffect(() => {
    // An expired or refused token: back to signed out, on the sign-in page.
    setUnauthorizedHandler(() => {
      signOut();
      location.hash = '#/signin';
    });
    // Signed in or out in another tab.
    const onStorage = (e: StorageEvent) => e.key === KEY && setSession(load());
    addEventListener('storage', onStorage);
    return () => removeEventListener('storage', onStorage);
  }, [signOut]);
  const value = useMemo(() => ({ session, signIn, signOut }), [session, signIn, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export const useSession = () => useContext(SessionContext);
