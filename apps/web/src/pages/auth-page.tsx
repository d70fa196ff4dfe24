// Sign up and sign in: one form, two modes. The tokens are kept in localStorage (session.tsx).
import { useId, useState, type FormEvent } from 'react';
import { api, ApiError, describeError } from '../api/client';
import type { AuthReply } from '../api/types';
import { href } from '../router';
import { toSession, useSession } from '../session';

export function AuthPage({ mode }: { mode: 'signin' | 'signup' }) {
  const { signIn } = useSession();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const ids = { user: useId(), pass: useId(), name: useId(), hint: useId() };
  const signup = mode === 'signup';

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = signup
        ? { username, password, ...(displayName.trim() ? { displayName: displayName.trim() } : {}) }
        : { username, password };
      const s = await api<AuthReply>('POST', signup ? '/auth/signup' : '/auth/login', { body });
      signIn(toSession(s));
      location.hash = href.root;
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) setError('Wrong username or password.');
      else if (err instanceof ApiError && err.status === 409) setError('That username is taken.');
      else setError(`${describeError(err)}.`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <h1>{signup ? 'Sign up' : 'Sign in'}</h1>
      <form className="auth-form" onSubmit={(e) => void submit(e)}>
        <label htmlFor={ids.user}>Username</label>
        <input
          id={ids.user}
          name="username"
          autoComplete="username"
          value={username}
          onChange={(e) => setUsername(e.target.value.toLowerCase())}
          required
          minLength={3}
          maxLength={32}
          pattern="[a-z0-9_]+"
          aria-describedby={signup ? ids.hint : undefined}
        />
        {signup && (
          <p id={ids.hint} className="muted small">
            3–32 of a–z, 0–9 and _
          </p>
        )}
        {signup && (
          <>
            <label htmlFor={ids.name}>Display name (optional)</label>
            <input id={ids.name} value={displayName} maxLength={64} onChange={(e) => setDisplayName(e.target.value)} />
          </>
        )}
        <label htmlFor={ids.pass}>Password</label>
        <input
          id={ids.pass}
          type="password"
          name="password"
          autoComplete={signup ? 'new-password' : 'current-password'}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          required
          minLength={8}
          maxLength={128}
        />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Please wait…' : signup ? 'Sign up' : 'Sign in'}
        </button>
        <div role="alert">{error && <p className="notice notice-error">{error}</p>}</div>
      </form>
      <p>
        {signup ? (
          <>
            Have an account? <a href={href.signin}>Sign in</a>
          </>
        ) : (
          <>
            New here? <a href={href.signup}>Sign up</a>
          </>
        )}
      </p>
    </>
  );
}
