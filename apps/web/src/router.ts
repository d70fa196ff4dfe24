// Hash routes (#/, #/home, #/u/alice, #/messages, #/messages/bob, #/signin, #/signup): the path part of
// the URL stays the edge's, so no page of the client can collide with an API route.
import { useEffect, useState } from 'react';

export type Route =
  | { name: 'home' }
  | { name: 'feed' }
  | { name: 'user'; username: string }
  | { name: 'messages' }
  | { name: 'conversation'; username: string }
  | { name: 'signin' }
  | { name: 'signup' }
  | { name: 'not-found' };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return { name: 'home' };
  if (parts[0] === 'home' && parts.length === 1) return { name: 'feed' };
  if (parts[0] === 'u' && parts.length === 2) return { name: 'user', username: parts[1] };
  if (parts[0] === 'messages' && parts.length === 1) return { name: 'messages' };
  if (parts[0] === 'messages' && parts.length === 2) return { name: 'conversation', username: parts[1] };
  if (parts[0] === 'signin' && parts.length === 1) return { name: 'signin' };
  if (parts[0] === 'signup' && parts.length === 1) return { name: 'signup' };
  return { name: 'not-found' };
}

export const href = {
  home: '#/',
  feed: '#/home',
  user: (username: string) => `#/u/${encodeURIComponent(username)}`,
  messages: '#/messages',
  conversation: (username: string) => `#/messages/${encodeURIComponent(username)}`,
  signin: '#/signin',
  signup: '#/signup',
};

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
