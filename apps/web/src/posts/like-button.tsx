// Like / unlike (PUT / DELETE, keyed). While likes is down the post still shows: the button is
// disabled, and says why as its description (and title), until the timeline's refresh brings the
// count back; the visible sentence is the timeline's banner, once for all posts.
import { useId, useState } from 'react';
import { api, ApiError, describeError, newKey, unavailable } from '../api/client';
import type { Post } from '../api/types';
import { href } from '../router';
import { useSession } from '../session';

export function LikeButton({
  post,
  down: timelineDown = false,
  onChange,
}: {
  post: Post;
  /** The timeline knows likes is down (another post said so), even if this post was loaded before. */
  down?: boolean;
  onChange: (change: (p: Post) => Post) => void;
}) {
  const { session } = useSession();
  const noticeId = useId();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const down = timelineDown || post.likeCount === null || post.degraded.includes('likes');

  if (down) {
    return (
      <span className="action">
        <button type="button" className="like" disabled aria-describedby={noticeId} title={unavailable('likes')}>
          ♡ Like
        </button>
        <span id={noticeId} hidden>
          {unavailable('likes')}
        </span>
      </span>
    );
  }
  if (!session) {
    return (
      <span className="action">
        <span className="count">{countText(post.likeCount ?? 0)}</span>
        <a href={href.signin}>Sign in to like</a>
      </span>
    );
  }
  const liked = post.likedByMe === true;
  const toggle = async () => {
    setBusy(true);
    setError(null);
    try {
      await api(liked ? 'DELETE' : 'PUT', `/posts/${post.id}/like`, {
        token: session.token,
        idempotencyKey: newKey(),
      });
      onChange((p) => ({ ...p, likedByMe: !liked, likeCount: Math.max(0, (p.likeCount ?? 0) + (liked ? -1 : 1)) }));
    } catch (err) {
      // likes down: the post is degraded now, which disables the button until it heals.
      if (err instanceof ApiError && err.service === 'likes') {
        onChange((p) => ({ ...p, degraded: [...new Set([...p.degraded, 'likes'])] }));
      } else setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <span className="action">
      <button
        type="button"
        className="like"
        aria-pressed={liked}
        disabled={busy}
        onClick={() => void toggle()}
        aria-describedby={error ? noticeId : undefined}
      >
        {liked ? '♥ Liked' : '♡ Like'}
      </button>
      <span className="count">{countText(post.likeCount ?? 0)}</span>
      {error && (
        <span id={noticeId} className="part-notice" role="status">
          {error}
        </span>
      )}
    </span>
  );
}

function countText(n: number): string {
  return `${n} ${n === 1 ? 'like' : 'likes'}`;
}
