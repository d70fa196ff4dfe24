// The shell: a skip link, the navigation, and the page the hash names.
import { useEffect, useRef } from 'react';
import { LiveEventsProvider } from './live-events';
import { AuthPage } from './pages/auth-page';
import { ConversationPage } from './pages/conversation-page';
import { MessagesPage } from './pages/messages-page';
import { HomeFeedPage, HomePage, UserPage } from './pages/timeline-page';
import { href, useRoute, type Route } from './router';
import { SessionProvider, useSession } from './session';

export function App() {
  return (
    <SessionProvider>
      <LiveEventsProvider>
        <Shell />
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
    document.title = `${titleOf(route)} · failsoft`;
  }, [route]);

  const current = (name: Route['name']) => (route.name === name ? ('page' as const) : undefined);
  return (
    <>
      <a className="skip-link" href="#main" onClick={(e) => (e.preventDefault(), main.current?.focus())}>
        Skip to content
      </a>
      <header className="topbar">
        <a className="brand" href={href.home}>
          failsoft
        </a>
        <nav aria-label="Main">
          <ul>
            {session && (
              <li>
                <a href={href.feed} aria-current={current('feed')}>
                  Home
                </a>
              </li>
            )}
            <li>
              <a href={href.home} aria-current={current('home')}>
                Timeline
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
        <Page route={route} />
      </main>
    </>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.name) {
    case 'home':
      return <HomePage />;
    case 'feed':
      return <HomeFeedPage />;
    case 'user':
      return <UserPage key={route.username} username={route.username} />;
    case 'messages':
      return <MessagesPage />;
    case 'conversation':
      return <ConversationPage key={route.username} username={route.username} />;
    case 'signin':
    case 'signup':
      return <AuthPage key={route.name} mode={route.name} />;
    case 'not-found':
      return (
        <>
          <h1>Not here</h1>
          <p>
            No such page. <a href={href.home}>Back to the timeline</a>
          </p>
        </>
      );
  }
}

function titleOf(route: Route): string {
  switch (route.name) {
    case 'home':
      return 'Timeline';
    case 'feed':
      return 'Home';
    case 'user':
      return `@${route.username}`;
    case 'messages':
      return 'Messages';
    case 'conversation':
      return `Messages with @${route.username}`;
    case 'signin':
      return 'Sign in';
    case 'signup':
      return 'Sign up';
    case 'not-found':
      return 'Not found';
  }
}
