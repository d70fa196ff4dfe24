// One post: author, text, images (thumbnails linking to the original), likes and comments. While
// another service is down its controls are disabled, and say why to assistive technology and on
// hover; the visible sentence is the timeline's banner, once, not one per post. Images keep a
// notice in their place, since that is all there is to see of them.
import { useId, useState } from 'react';
import { unavailable } from '../api/client';
import type { Post } from '../api/types';
import { href } from '../router';
import { formatTime } from '../ui/time';
import { Comments } from './comments';
import { FollowAuthorButton } from './follow-author-button';
import { LikeButton } from './like-button';
import { PostText } from './post-text';

export function PostCard({
  post,
  down,
  showFollow = true,
  commentsOpen = false,
  highlightComment,
  onChange,
  onAuthorChange,
}: {
  post: Post;
  /** Services the timeline knows to be down: one post saying so is enough to disable them all. */
  down: string[];
  /** false where the page has its own Follow for this author (their profile). */
  showFollow?: boolean;
  /** Comments shown from the start (the post's own page). */
  commentsOpen?: boolean;
  /** A comment to mark and scroll to (a notification's link). */
  highlightComment?: string;
  onChange: (change: (p: Post) => Post) => void;
  /** Changes every post of this post's author on the page (a follow). */
  onAuthorChange: (change: (p: Post) => Post) => void;
}) {
  const [open, setOpen] = useState(commentsOpen);
  const panelId = useId();
  const noticeId = useId();
  const commentsDown = post.commentCount === null || post.degraded.includes('comments') || down.includes('comments');
  const mediaDown = post.degraded.includes('media');

  return (
    <article className="post" aria-labelledby={`${panelId}-by`} data-post-id={post.id}>
      <header className="post-head">
        <a id={`${panelId}-by`} className="author" href={href.user(post.author.username)}>
          {post.author.displayName} <span className="muted">@{post.author.username}</span>
        </a>
        {showFollow && <FollowAuthorButton post={post} down={down.includes('graph')} onAuthorChange={onAuthorChange} />}
        <time className="muted" dateTime={post.createdAt}>
          {formatTime(post.createdAt)}
        </time>
      </header>
      {/* An image-only post has no text: no empty paragraph either. */}
      {post.text.trim() && <PostText post={post} />}
      {post.media.length > 0 && (
        <ul className={`media-grid media-${Math.min(post.media.length, 4)}`} aria-label="Images">
          {post.media.map((m, i) => (
            <li key={m.id}>
              {m.thumbnailUrl && !mediaDown ? (
                <a href={m.url} target="_blank" rel="noreferrer">
                  <img
                    src={m.thumbnailUrl}
                    alt={`Image ${i + 1} of ${post.media.length} posted by ${post.author.displayName}`}
                    width={m.width}
                    height={m.height}
                    loading="lazy"
                  />
                </a>
              ) : (
                <div className="media-missing">{unavailable('images')}</div>
              )}
            </li>
          ))}
        </ul>
      )}
      <footer className="post-actions">
        <LikeButton post={post} down={down.includes('likes')} onChange={onChange} />
        <span className="action">
          <button
            type="button"
            aria-expanded={open}
            aria-controls={panelId}
            disabled={commentsDown && !open}
            aria-describedby={commentsDown ? noticeId : undefined}
            title={commentsDown ? unavailable('comments') : undefined}
            onClick={() => setOpen((v) => !v)}
          >
            {commentsDown ? 'Comments' : `Comments (${post.commentCount})`}
          </button>
          {commentsDown && (
            <span id={noticeId} hidden>
              {unavailable('comments')}
            </span>
          )}
        </span>
      </footer>
      <div id={panelId}>{open && <Comments post={post} highlight={highlightComment} onChange={onChange} />}</div>
    </article>
  );
}
