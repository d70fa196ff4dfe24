// A post's comments, oldest first, with "more" on the cursor and a form to add one (keyed).
// While comments is down the list says so in a line and is asked again after a few seconds.
import { useCallback, useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { api, ApiError, describeError, newKey } from '../api/client';
import type { Comment, Page, Post } from '../api/types';
import { href } from '../router';
import { useSession } from '../session';
import { formatTime } from '../ui/time';

const RETRY_MS = 4000;

export function Comments({
  post,
  highlight,
  onChange,
}: {
  post: Post;
  /** This comment is marked, and scrolled to once it is in. */
  highlight?: string;
  onChange: (change: (p: Post) => Post) => void;
}) {
  const { session } = useSession();
  const [items, setItems] = useState<Comment[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const [loadError, setLoadError] = useState<string | null>(null);
  // Each failed load schedules one retry: the error's text does not change while comments is
  // down, so it cannot be what starts the next attempt.
  const [failures, setFailures] = useState(0);
  const [text, setText] = useState('');
  const [sending, setSending] = useState(false);
  const [sendError, setSendError] = useState<string | null>(null);
  const key = useRef(newKey());
  const inputId = useId();
  const marked = useRef<HTMLLIElement>(null);
  const found = items.some((c) => c.id === highlight);
  useEffect(() => {
    if (found) marked.current?.scrollIntoView({ block: 'center' });
  }, [found]);

  const load = useCallback(
    (from: string | null) => {
      const q = new URLSearchParams({ limit: '20' });
      if (from) q.set('cursor', from);
      api<Page<Comment>>('GET', `/posts/${post.id}/comments?${q.toString()}`)
        .then((page) => {
          setItems((prev) => [...prev, ...page.items.filter((c) => !prev.some((x) => x.id === c.id))]);
          setCursor(page.nextCursor);
          setLoadError(null);
        })
        .catch((err: unknown) => {
          setLoadError(describeError(err));
          setFailures((n) => n + 1);
        });
    },
    [post.id],
  );
  useEffect(() => {
    load(null);
  }, [load]);
  const retry = useRef(() => {});
  useEffect(() => {
    retry.current = () => load(cursor ?? null);
  });
  useEffect(() => {
    if (failures === 0) return;
    const t = setTimeout(() => retry.current(), RETRY_MS);
    return () => clearTimeout(t);
  }, [failures]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!session || !text.trim()) return;
    setSending(true);
    setSendError(null);
    try {
      const c = await api<Comment>('POST', `/posts/${post.id}/comments`, {
        token: session.token,
        body: { text: text.trim() },
        idempotencyKey: key.current,
      });
      setItems((prev) => (prev.some((x) => x.id === c.id) ? prev : [...prev, c]));
      onChange((p) => ({ ...p, commentCount: p.commentCount === null ? null : p.commentCount + 1 }));
      setText('');
      key.current = newKey();
    } catch (err) {
      setSendError(describeError(err));
      // A refused comment stored nothing: a changed text must not reuse the key (422).
      if (!(err instanceof ApiError && err.status === 503)) key.current = newKey();
    } finally {
      setSending(false);
    }
  };

  return (
    <section className="comments" aria-label={`Comments on ${post.author.displayName}'s post`}>
      {cursor === undefined && !loadError && <p className="muted">Loading comments…</p>}
      {items.length === 0 && cursor === null && <p className="muted">No comments yet.</p>}
      <ol className="comment-list">
        {items.map((c) => (
          <li
            key={c.id}
            data-comment-id={c.id}
            ref={c.id === highlight ? marked : undefined}
            className={c.id === highlight ? 'highlight' : undefined}
          >
            <a href={href.user(c.author.username)}>{c.author.displayName}</a>{' '}
            <time dateTime={c.createdAt}>{formatTime(c.createdAt)}</time>
            <p>{c.text}</p>
          </li>
        ))}
      </ol>
      <div role="status" aria-live="polite">
        {loadError && <p className="notice notice-warn">{loadError} — trying again shortly.</p>}
      </div>
      {cursor && (
        <button type="button" className="link-button" onClick={() => load(cursor)}>
          More comments
        </button>
      )}
      {session ? (
        <form className="comment-form" onSubmit={(e) => void submit(e)}>
          <label htmlFor={inputId}>Add a comment</label>
          <div className="row">
            <input
              id={inputId}
              value={text}
              maxLength={2000}
              onChange={(e) => {
                setText(e.target.value);
                if (sendError) key.current = newKey();
              }}
              required
            />
            <button type="submit" disabled={sending || !text.trim()}>
              {sending ? 'Sending…' : 'Comment'}
            </button>
          </div>
          <div role="status" aria-live="polite">
            {sendError && <p className="notice notice-warn">{sendError}</p>}
          </div>
        </form>
      ) : (
        <p className="muted">
          <a href={href.signin}>Sign in</a> to comment.
        </p>
      )}
    </section>
  );
}
