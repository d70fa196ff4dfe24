// Everyone (the global timeline, with the composer when signed in), Home (your feed) and one
// user's timeline.
import { useEffect, useState } from 'react';
import { api, describeError } from '../api/client';
import type { User } from '../api/types';
import { Composer } from '../posts/composer';
import { TimelineView } from '../posts/timeline-view';
import { useTimeline } from '../posts/use-timeline';
import { href } from '../router';
import { useSession } from '../session';

export function EveryonePage() {
  const { session } = useSession();
  const timeline = useTimeline({ token: session?.token });
  return (
    <>
      <h1>Everyone</h1>
      {session ? (
        <Composer onPosted={timeline.prepend} />
      ) : (
        <p className="muted">
          <a href={href.signin}>Sign in</a> or <a href={href.signup}>sign up</a> to post, like and comment.
        </p>
      )}
      <TimelineView timeline={timeline} empty="No posts yet." />
    </>
  );
}

/** Your home feed: your posts and those of the people you follow. */
export function HomeFeedPage() {
  const { session } = useSession();
  const timeline = useTimeline({ token: session?.token, home: true });
  if (!session) {
    return (
      <>
        <h1>Home</h1>
        <p className="muted">
          <a href={href.signin}>Sign in</a> to see the posts of the people you follow.
        </p>
      </>
    );
  }
  return (
    <>
      <h1>Home</h1>
      <Composer onPosted={timeline.prepend} />
      <TimelineView timeline={timeline} empty="Nothing here yet: follow people to see their posts." />
    </>
  );
}

export function UserPage({ username }: { username: string }) {
  const { session } = useSession();
  const [user, setUser] = useState<User | null>(null);
  const [error, setError] = useState<string | null>(null);
  const timeline = useTimeline({ author: username, token: session?.token });
  useEffect(() => {
    setUser(null);
    setError(null);
    api<User>('GET', `/users/${encodeURIComponent(username)}`, { token: session?.token })
      .then(setUser)
      .catch((err: unknown) => setError(describeError(err)));
  }, [username, session?.token]);
  const isMe = session?.user.username === username;
  const [following, setFollowing] = useState(false);
  const toggleFollow = () => {
    if (!session || !user) return;
    setFollowing(true);
    const follow = !user.followedByMe;
    api<void>(follow ? 'PUT' : 'DELETE', `/users/${encodeURIComponent(username)}/follow`, { token: session.token })
      .then(() => {
        setUser((u) =>
          u ? { ...u, followedByMe: follow, followerCount: (u.followerCount ?? 0) + (follow ? 1 : -1) } : u,
        );
        // The Follow beside each of their posts below says the same.
        timeline.updateAuthor(user.id, (p) => ({ ...p, author: { ...p.author, followedByMe: follow } }));
      })
      .catch((err: unknown) => setError(describeError(err)))
      .finally(() => setFollowing(false));
  };
  return (
    <>
      <h1>{user?.displayName ?? username}</h1>
      <p className="muted">
        @{username}
        {user && typeof user.followerCount === 'number' && (
          <>
            {' · '}
            <span data-testid="follow-counts">
              <a href={href.followers(username)}>{user.followerCount} followers</a> ·{' '}
              <a href={href.following(username)}>{user.followingCount} following</a>
            </span>
          </>
        )}
        {!isMe && session && (
          <>
            {' · '}
            <a href={href.conversation(username)}>Send a message</a>
          </>
        )}
      </p>
      {!isMe && session && user && typeof user.followedByMe === 'boolean' && (
        <p>
          <button type="button" onClick={toggleFollow} disabled={following} aria-pressed={user.followedByMe}>
            {user.followedByMe ? 'Unfollow' : 'Follow'}
          </button>
        </p>
      )}
      <div role="status" aria-live="polite">
        {error && <p className="notice notice-warn">{error}</p>}
      </div>
      <TimelineView timeline={timeline} empty={`@${username} has not posted yet.`} followInHeader={username} />
    </>
  );
}
