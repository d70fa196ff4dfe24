// The global timeline (with the composer when signed in) and one user's timeline.
import { useEffect, useState } from 'react';
import { api, describeError } from '../api/client';
import type { User } from '../api/types';
import { Composer } from '../posts/composer';
import { TimelineView } from '../posts/timeline-view';
import { useTimeline } from '../posts/use-timeline';
import { href } from '../router';
import { useSession } from '../session';

export function HomePage() {
  const { session } = useSession();
  const timeline = useTimeline({ token: session?.token });
  return (
    <>
      <h1>Timeline</h1>
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

export function UserPage({ username }: { username: string }) {
  const { session } = useSession();
  const [user, setUser] = useState<User | null>(null);
  const [error, setError] = useState<string | null>(null);
  const timeline = useTimeline({ author: username, token: session?.token });
  useEffect(() => {
    setUser(null);
    setError(null);
    api<User>('GET', `/users/${encodeURIComponent(username)}`)
      .then(setUser)
      .catch((err: unknown) => setError(describeError(err)));
  }, [username]);
  const isMe = session?.user.username === username;
  return (
    <>
      <h1>{user?.displayName ?? username}</h1>
      <p className="muted">
        @{username}
        {!isMe && session && (
          <>
            {' · '}
            <a href={href.conversation(username)}>Send a message</a>
          </>
        )}
      </p>
      <div role="status" aria-live="polite">
        {error && <p className="notice notice-warn">{error}</p>}
      </div>
      <TimelineView timeline={timeline} empty={`@${username} has not posted yet.`} />
    </>
  );
}
