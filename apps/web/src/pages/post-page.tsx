// One post on its own page (where a notification leads), its comments open; a comment's link
// marks that comment. While posts is down it says so and asks again every few seconds.
import { useCallback, useState } from 'react';
import { api, ApiError } from '../api/client';
import type { Post } from '../api/types';
import { useRetryingLoad } from '../messages/use-retrying-load';
import { PostCard } from '../posts/post-card';
import { href } from '../router';
import { useSession } from '../session';

export function PostPage({ id, commentId }: { id: string; commentId?: string }) {
  const { session } = useSession();
  const token = session?.token;
  const load = useCallback(
    () =>
      api<Post>('GET', `/posts/${encodeURIComponent(id)}`, { token }).catch((err: unknown) => {
        // Gone (deleted) or never there: an answer, not an outage to retry.
        if (err instanceof ApiError && (err.status === 404 || err.status === 400)) return null;
        throw err;
      }),
    [id, token],
  );
  const { data, error } = useRetryingLoad(load);
  // Likes, follows and comments change the post here; a reload would bring the same.
  const [changed, setChanged] = useState<Post | null>(null);
  const post = changed?.id === id ? changed : data;
  const change = (fn: (p: Post) => Post) => post && setChanged(fn(post));

  return (
    <>
      <h1>Post</h1>
      <div role="status" aria-live="polite">
        {error && <p className="notice notice-warn">{error} — trying again shortly.</p>}
      </div>
      {post === undefined && !error && <p className="muted">Loading the post…</p>}
      {post === null && (
        <p>
          This post is not here (it may have been deleted). <a href={href.root}>Back to the start</a>
        </p>
      )}
      {post && (
        <PostCard
          post={post}
          down={post.degraded}
          commentsOpen
          highlightComment={commentId}
          onChange={change}
          onAuthorChange={change}
        />
      )}
    </>
  );
}
