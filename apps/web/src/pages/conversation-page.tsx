// One conversation: older messages on the cursor, new ones arriving live over /events (announced
// by the log's live region), and a form to send (keyed, so a retried send is never doubled).
import { useCallback, useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { api, ApiError, describeError, newKey } from '../api/client';
import type { Message, Page } from '../api/types';
import { useLiveEvents, useLiveMessages } from '../live-events';
import { LiveBadge } from '../messages/live-badge';
import { href } from '../router';
import { useSession } from '../session';
import { formatTime } from '../ui/time';
import { useVisibleInterval } from '../ui/use-visible-interval';
import { SignInFirst } from './messages-page';

const RETRY_MS = 4000;
/**
 * While all is well and the page is visible, the newest page is asked again this often (one
 * request): messaging going down shows (notice, badge) without waiting for a send to fail, and a
 * message the stream missed while it was reconnecting appears.
 */
const FRESH_MS = 10_000;

/** Oldest first, each message once. */
function merge(a: Message[], b: Message[]): Message[] {
  const byId = new Map([...a, ...b].map((m) => [m.id, m]));
  return [...byId.values()].sort((x, y) => x.createdAt.localeCompare(y.createdAt) || x.id.localeCompare(y.id));
}

export function ConversationPage({ username }: { username: string }) {
  const { session } = useSession();
  const token = session?.token;
  const [messages, setMessages] = useState<Message[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  // Every failed load counts here, and each count schedules one retry: the error's text is the
  // same every time messaging is down, so it cannot be what starts the next attempt.
  const [failures, setFailures] = useState(0);
  const [attempt, setAttempt] = useState(0);
  const { reportMessaging } = useLiveEvents();

  const load = useCallback(
    (from: string | null) => {
      const q = new URLSearchParams({ limit: '30' });
      if (from) q.set('cursor', from);
      return api<Page<Message>>('GET', `/messages/${encodeURIComponent(username)}?${q.toString()}`, { token }).then(
        (page) => {
          setMessages((prev) => merge(prev, page.items));
          // The newest page asked again must not forget the older pages already shown.
          setCursor((prev) => (from === null && prev !== undefined ? prev : page.nextCursor));
          setError(null);
          reportMessaging();
        },
        (err: unknown) => {
          setError(describeError(err));
          setFailures((n) => n + 1);
          reportMessaging(err);
        },
      );
    },
    [username, token, reportMessaging],
  );
  useEffect(() => {
    setMessages([]);
    setCursor(undefined);
  }, [username]);
  // The newest page; again 4 s after each failure, for as long as messaging is down (messages
  // sent meanwhile through another edge are not lost: they are in this page once it loads).
  useEffect(() => {
    if (token) void load(null);
  }, [load, token, attempt]);
  useEffect(() => {
    if (failures === 0) return;
    const t = setTimeout(() => setAttempt((a) => a + 1), RETRY_MS);
    return () => clearTimeout(t);
  }, [failures]);
  useVisibleInterval(() => void load(null), FRESH_MS, Boolean(token) && !error);

  useLiveMessages((m) => {
    if (m.from.username === username || m.to.username === username) setMessages((prev) => merge(prev, [m]));
  });

  const end = useRef<HTMLDivElement>(null);
  const last = messages.at(-1)?.id;
  useEffect(() => {
    // Braces matter: newer browsers return a Promise from scrollIntoView, and an effect must not.
    void end.current?.scrollIntoView({ block: 'nearest' });
  }, [last]);

  if (!session) return <SignInFirst />;
  return (
    <>
      <p>
        <a href={href.messages}>← All messages</a>
      </p>
      <h1>
        <a href={href.user(username)}>@{username}</a> <LiveBadge />
      </h1>
      <div role="status" aria-live="polite">
        {error && <p className="notice notice-warn">{error} — trying again shortly.</p>}
      </div>
      {cursor && (
        <button type="button" className="link-button" onClick={() => void load(cursor)}>
          Older messages
        </button>
      )}
      {cursor === undefined && !error && <p className="muted">Loading messages…</p>}
      {cursor !== undefined && messages.length === 0 && <p className="muted">No messages yet. Say hello!</p>}
      <ol className="messages" role="log" aria-live="polite" aria-label={`Conversation with ${username}`}>
        {messages.map((m) => {
          const mine = m.from.id === session.user.id;
          return (
            <li key={m.id} className={mine ? 'mine' : 'theirs'}>
              <span className="visually-hidden">{mine ? 'You' : m.from.displayName}: </span>
              <p>{m.text}</p>
              <time className="small" dateTime={m.createdAt}>
                {formatTime(m.createdAt)}
              </time>
            </li>
          );
        })}
      </ol>
      <div ref={end} />
      <SendForm to={username} token={session.token} onSent={(m) => setMessages((prev) => merge(prev, [m]))} />
    </>
  );
}

function SendForm({ to, token, onSent }: { to: string; token: string; onSent: (m: Message) => void }) {
  const { reportMessaging } = useLiveEvents();
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const key = useRef(newKey());
  const inputId = useId();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!text.trim()) return;
    setBusy(true);
    setError(null);
    try {
      const m = await api<Message>('POST', '/messages', {
        token,
        body: { to, text: text.trim() },
        idempotencyKey: key.current,
      });
      onSent(m);
      reportMessaging();
      setText('');
      key.current = newKey();
    } catch (err) {
      reportMessaging(err);
      setError(describeError(err));
      if (!(err instanceof ApiError && err.status === 503)) key.current = newKey();
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="send-form" onSubmit={(e) => void submit(e)}>
      <label htmlFor={inputId}>Message @{to}</label>
      <div className="row">
        <input
          id={inputId}
          value={text}
          maxLength={2000}
          autoComplete="off"
          onChange={(e) => {
            setText(e.target.value);
            if (error) key.current = newKey();
          }}
          required
        />
        <button type="submit" className="primary" disabled={busy || !text.trim()}>
          Send
        </button>
      </div>
      <div role="status" aria-live="polite">
        {error && <p className="notice notice-warn">{error}</p>}
      </div>
    </form>
  );
}
