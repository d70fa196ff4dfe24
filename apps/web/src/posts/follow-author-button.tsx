// Follow / Unfollow beside a post's author (never your own, never signed out). Optimistic: every
// post of that author on the page changes at once, and changes back if the edge refuses; while
// graph is down the button is disabled and says why, until the timeline's refresh heals it.
import { useId, useState } from 'react';
import { api, ApiError, describeError, newKey, unavailable } from '../api/client';
import type { Post } from '../api/types';
import { useSession } from '../session';

export function FollowAuthorButton({
  post,
  down: timelineDown = false,
  onAuthorChange,
}: {
  post: Post;
  /** The timeline knows graph is down (some post said so). */
  down?: boolean;
  onAuthorChange: (change: (p: Post) => Post) => void;
}) {
  const { session } = useSession();
  const noticeId = useId();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!session || session.user.id === post.author.id) return null;
  const down = timelineDown || post.degraded.includes('graph');
  const followed = post.author.followedByMe;
  const label = `${followed ? 'Unfollow' : 'Follow'} @${post.author.username}`;
  if (down || typeof followed !== 'boolean') {
    // An edge that says nothing about follows (not down): no button rather than a wrong one.
    if (!down) return null;
    return (
      <span className="follow-author">
        <button
          type="button"
          className="link-button"
          disabled
          aria-label={label}
          aria-describedby={noticeId}
          title={unavailable('graph')}
        >
          {followed ? 'Unfollow' : 'Follow'}
        </button>
        <span id={noticeId} hidden>
          {unavailable('graph')}
        </span>
      </span>
    );
  }
  const set = (value: boolean) => (p: Post) => ({ ...p, author: { ...p.author, followedByMe: value } });
  const toggle = async () => {
    setBusy(true);
    setError(null);
    onAuthorChange(set(!followed));
    try {
      await api(followed ? 'DELETE' : 'PUT', `/users/${encodeURIComponent(post.author.username)}/follow`, {
        token: session.token,
        idempotencyKey: newKey(),
      });
    } catch (err) {
      onAuthorChange(set(followed));
      if (err instanceof ApiError && err.service === 'graph') {
        onAuthorChange((p) => ({ ...p, degraded: [...new Set([...p.degraded, 'graph'])] }));
      } else setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <span className="follow-author">
      <button
        type="button"
        className="link-button"
        aria-label={label}
        aria-pressed={followed}
        disabled={busy}
        onClick={() => void toggle()}
        aria-describedby={error ? noticeId : undefined}
      >
        {followed ? 'Unfollow' : 'Follow'}
      </button>
      {error && (
        <span id={noticeId} className="part-notice" role="status">
          {error}
        </span>
      )}
    </span>
  );
}
