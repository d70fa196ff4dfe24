// Direct messages: the conversation list (refreshed when a message arrives live, and every few
// seconds while visible, so messaging going down shows without a click) and a form to start a
// new one.
import { useCallback, useId, useState, type FormEvent } from 'react';
import { api, describeError, newKey } from '../api/client';
import type { Conversation, Message } from '../api/types';
import { useLiveEvents, useLiveMessages } from '../live-events';
import { LiveBadge } from '../messages/live-badge';
import { useRetryingLoad } from '../messages/use-retrying-load';
import { href } from '../router';
import { useSession } from '../session';
import { formatTime } from '../ui/time';
import { useVisibleInterval } from '../ui/use-visible-interval';

/** How often a healthy, visible list is asked again: one request. */
const FRESH_MS = 10_000;

export function MessagesPage() {
  const { session } = useSession();
  const token = session?.token;
  const { reportMessaging } = useLiveEvents();
  const load = useCallback(
    () =>
      api<{ items: Conversation[] }>('GET', '/conversations', { token }).then(
        (r) => {
          reportMessaging();
          return r.items;
        },
        (err: unknown) => {
          reportMessaging(err);
          throw err;
        },
      ),
    [token, reportMessaging],
  );
  const { data: conversations, error, reload } = useRetryingLoad(token ? load : null);
  useLiveMessages(reload);
  useVisibleInterval(reload, FRESH_MS, Boolean(token) && !error);

  if (!session) return <SignInFirst />;
  return (
    <>
      <h1>
        Messages <LiveBadge />
      </h1>
      <NewMessage from={session.user.username} token={session.token} />
      <div role="status" aria-live="polite">
        {error && <p className="notice notice-warn">{error} — trying again shortly.</p>}
      </div>
      {conversations === undefined && !error && <p className="muted">Loading conversations…</p>}
      {conversations?.length === 0 && <p className="muted">No conversations yet.</p>}
      <ul className="conversations" aria-label="Conversations">
        {conversations?.map((c) => (
          <li key={c.with.id}>
            <a href={href.conversation(c.with.username)}>
              <span>
                <strong>{c.with.displayName}</strong> <span className="muted">@{c.with.username}</span>
              </span>
              <time className="muted small" dateTime={c.lastMessage.createdAt}>
                {formatTime(c.lastMessage.createdAt)}
              </time>
              <span className="preview">
                {c.lastMessage.from.id === session.user.id ? 'You: ' : ''}
                {c.lastMessage.text}
              </span>
            </a>
          </li>
        ))}
      </ul>
    </>
  );
}

function NewMessage({ from, token }: { from: string; token: string }) {
  const { reportMessaging } = useLiveEvents();
  const [to, setTo] = useState('');
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const toId = useId();
  const textId = useId();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const m = await api<Message>('POST', '/messages', {
        token,
        body: { to: to.trim(), text: text.trim() },
        idempotencyKey: newKey(),
      });
      reportMessaging();
      location.hash = href.conversation(m.to.username);
    } catch (err) {
      reportMessaging(err);
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <details className="new-message">
      <summary>New message</summary>
      <form onSubmit={(e) => void submit(e)}>
        <label htmlFor={toId}>To (username)</label>
        <input
          id={toId}
          value={to}
          onChange={(e) => setTo(e.target.value.toLowerCase())}
          required
          pattern={`(?!${from}$)[a-z0-9_]{3,32}`}
        />
        <label htmlFor={textId}>Message</label>
        <textarea
          id={textId}
          value={text}
          onChange={(e) => setText(e.target.value)}
          required
          maxLength={2000}
          rows={2}
        />
        <button type="submit" className="primary" disabled={busy}>
          Send
        </button>
        <div role="status" aria-live="polite">
          {error && <p className="notice notice-warn">{error}</p>}
        </div>
      </form>
    </details>
  );
}

export function SignInFirst() {
  return (
    <p>
      <a href={href.signin}>Sign in</a> to read and send messages.
    </p>
  );
}
