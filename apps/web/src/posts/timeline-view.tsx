// The list of posts with infinite scroll: an IntersectionObserver on a sentinel below the last
// post asks for the next page; a "More posts" button does the same for keyboards and old browsers.
import { useEffect, useRef } from 'react';
import { unavailable } from '../api/client';
import type { Timeline } from './use-timeline';
import { PostCard } from './post-card';

export function TimelineView({
  timeline,
  empty,
  followInHeader,
}: {
  timeline: Timeline;
  empty: string;
  /** A profile's username: its page has Follow in its header, so its posts carry none. */
  followInHeader?: string;
}) {
  const { posts, hasMore, loading, error, degraded, loadMore, update, updateAuthor } = timeline;
  const sentinel = useRef<HTMLDivElement>(null);
  const more = useRef(loadMore);
  useEffect(() => {
    more.current = loadMore;
  }, [loadMore]);

  useEffect(() => {
    const el = sentinel.current;
    if (!el || !hasMore) return;
    const io = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && more.current(), {
      rootMargin: '600px 0px',
    });
    io.observe(el);
    return () => io.disconnect();
  }, [hasMore, posts.length]);

  return (
    <section aria-label="Posts" className="timeline">
      {/* The one place that says which parts are missing; each post's controls only point here. */}
      <div role="status" aria-live="polite" className="timeline-status">
        {degraded.length > 0 && (
          <p className="notice notice-warn">
            {capitalize(degraded.map(unavailable).join('; '))} — posts still show, and this page catches up by itself.
          </p>
        )}
      </div>
      <div className="posts" aria-busy={loading}>
        {posts.map((p) => (
          <PostCard
            key={p.id}
            post={p}
            down={degraded}
            showFollow={p.author.username !== followInHeader}
            onChange={(change) => update(p.id, change)}
            onAuthorChange={(change) => updateAuthor(p.author.id, change)}
          />
        ))}
      </div>
      <div ref={sentinel} />
      <div role="status" aria-live="polite">
        {error && <p className="notice notice-warn">{error} — trying again shortly.</p>}
        {loading && <p className="muted">Loading posts…</p>}
        {!loading && !error && !hasMore && posts.length === 0 && <p className="muted">{empty}</p>}
        {!loading && !error && !hasMore && posts.length > 0 && <p className="muted end">That's all.</p>}
      </div>
      {hasMore && !loading && !error && posts.length > 0 && (
        <button type="button" className="link-button" onClick={loadMore}>
          More posts
        </button>
      )}
    </section>
  );
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
