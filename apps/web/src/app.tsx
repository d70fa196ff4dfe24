// The shell: a skip link, the navigation, and the page the hash names.
import { useEffect, useRef } from 'react';
import { LiveEventsProvider } from './live-events';
import { Bell } from './notifications/bell';
import { UnreadCountProvider } from './notifications/unread-count';
import { AuthPage } from './pages/auth-page';
import { ConversationPage } from './pages/conversation-page';
import { MessagesPage } from './pages/messages-page';
import { FollowListPage } from './pages/follow-list-page';
import { NotificationsPage } from './pages/notifications-page';
import { PostPage } from './pages/post-page';
import { EveryonePage, HomeFeedPage, UserPage } from './pages/timeline-page';
import { href, useRoute, type Route } from './router';
import { SessionProvider, useSession } from './session';

export function App() {
  return (
    <SessionProvider>
      <LiveEventsProvider>
        <UnreadCountProvider>
          <Shell />
        </UnreadCountProvider>
      </LiveEventsProvider>
    </SessionProvider>
  );
}

function Shell() {
  const route = useRoute();
  const { session, logOut } = useSession();
  const main = useRef<HTMLElement>(null);
  // A new page: move focus to it, so keyboard and screen-reader users start at its top.
  const first = useRef(true);
  useEffect(() => {
    if (first.current) first.current = false;
    else main.current?.focus();
    document.title = `${titleOf(route, session !== null)} · failsoft`;
  }, [route, session]);

  const current = (name: Route['name']) => (route.name === name ? ('page' as const) : undefined);
  // `#/` is Home signed in, Everyone otherwise: the tab of what it shows is the current one.
  const shown = route.name === 'root' ? (session ? 'feed' : 'everyone') : route.name;
  return (
    <>
      <a className="skip-link" href="#main" onClick={(e) => (e.preventDefault(), main.current?.focus())}>
        Skip to content
      </a>
      <header className="topbar">
        <a className="brand" href={href.root}>
          failsoft
        </a>
        <nav aria-label="Main">
          <ul>
            {session && (
              <li>
                <a href={href.feed} aria-current={shown === 'feed' ? 'page' : undefined}>
                  Home
                </a>
              </li>
            )}
            <li>
              <a href={href.everyone} aria-current={shown === 'everyone' ? 'page' : undefined}>
                Everyone
              </a>
            </li>
            {session && (
              <li>
                <a
                  href={href.user(session.user.username)}
                  aria-current={
                    // Only your own page is "My posts"; someone else's is just a page you are on.
                    route.name === 'user' && route.username === session.user.username ? 'page' : undefined
                  }
                >
                  My posts
                </a>
              </li>
            )}
            {session && (
              <li>
                <a href={href.messages} aria-current={route.name === 'conversation' ? 'page' : current('messages')}>
                  Messages
                </a>
              </li>
            )}
            {session && (
              <li>
                <Bell current={route.name === 'notifications'} />
              </li>
            )}
            {session ? (
              <li>
                <button type="button" className="link-button" onClick={() => void logOut()}>
                  Sign out @{session.user.username}
                </button>
              </li>
            ) : (
              <li>
                <a href={href.signin} aria-current={current('signin')}>
                  Sign in
                </a>
              </li>
            )}
          </ul>
        </nav>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        <Page route={route} signedIn={session !== null} />
      </main>
    </>
  );
}

function Page({ route, signedIn }: { route: Route; signedIn: boolean }) {
  switch (route.name) {
    case 'root':
      return signedIn ? <HomeFeedPage /> : <EveryonePage />;
    case 'everyone':
      return <EveryonePage />;
    case 'feed':
      return <HomeFeedPage />;
    case 'user':
      return <UserPage key={route.username} username={route.username} />;
    case 'followers':
    case 'following':
      return <FollowListPage key={`${route.name}/${route.username}`} side={route.name} username={route.username} />;
    case 'messages':
      return <MessagesPage />;
    case 'conversation':
      return <ConversationPage key={route.username} username={route.username} />;
    case 'notifications':
      return <NotificationsPage />;
    case 'post':
      return <PostPage key={route.id} id={route.id} commentId={route.commentId} />;
    case 'signin':
    case 'signup':
      return <AuthPage key={route.name} mode={route.name} />;
    case 'not-found':
      return (
        <>
          <h1>Not here</h1>
          <p>
            No such page. <a href={href.root}>Back to the start</a>
          </p>
        </>
      );
  }
}

function titleOf(route: Route, signedIn: boolean): string {
  switch (route.name) {
    case 'root':
      return signedIn ? 'Home' : 'Everyone';
    case 'everyone':
      return 'Everyone';
    case 'feed':
      return 'Home';
    case 'user':
      return `@${route.username}`;
    case 'followers':
      return `Followers of @${route.username}`;
    case 'following':
      return `Followed by @${route.username}`;
    case 'messages':
      return 'Messages';
    case 'conversation':
      return `Messages with @${route.username}`;
    case 'notifications':
      return 'Notifications';
    case 'post':
      return 'Post';
    case 'signin':
      return 'Sign in';
    case 'signup':
      return 'Sign up';
    case 'not-found':
      return 'Not found';
  }
}
