// Hash routes (#/, #/home, #/everyone, #/users/alice, #/users/alice/followers, #/messages,
// #/messages/bob, #/notifications, #/posts/<id>, #/posts/<id>/comments/<id>, #/signin, #/signup): the path part of the URL stays the edge's, so no page of
// the client can collide with an API route. `#/` is Home for a signed-in user and Everyone (the
// global timeline) otherwise; the older `#/u/alice` links still work.
import { useEffect, useState } from 'react';

export type Route =
  | { name: 'root' }
  | { name: 'everyone' }
  | { name: 'feed' }
  | { name: 'user'; username: string }
  | { name: 'followers'; username: string }
  | { name: 'following'; username: string }
  | { name: 'messages' }
  | { name: 'conversation'; username: string }
  | { name: 'notifications' }
  | { name: 'post'; id: string; commentId?: string }
  | { name: 'signin' }
  | { name: 'signup' }
  | { name: 'not-found' };

export function parseRoute(hash: string): Route {
  let parts: string[];
  try {
    parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    return { name: 'not-found' }; // a malformed %-escape someone typed
  }
  if (parts.length === 0) return { name: 'root' };
  const [first, second, third] = parts;
  if (parts.length === 1) {
    if (first === 'home') return { name: 'feed' };
    if (first === 'everyone') return { name: 'everyone' };
    if (first === 'messages') return { name: 'messages' };
    if (first === 'notifications') return { name: 'notifications' };
    if (first === 'signin') return { name: 'signin' };
    if (first === 'signup') return { name: 'signup' };
  }
  if ((first === 'users' || first === 'u') && second) {
    if (parts.length === 2) return { name: 'user', username: second };
    if (parts.length === 3 && (third === 'followers' || third === 'following'))
      return { name: third, username: second };
  }
  if (first === 'posts' && second) {
    if (parts.length === 2) return { name: 'post', id: second };
    if (parts.length === 4 && third === 'comments') return { name: 'post', id: second, commentId: parts[3] };
  }
  if (first === 'messages' && parts.length === 2) return { name: 'conversation', username: second };
  return { name: 'not-found' };
}

export const href = {
  root: '#/',
  everyone: '#/everyone',
  feed: '#/home',
  user: (username: string) => `#/users/${encodeURIComponent(username)}`,
  followers: (username: string) => `#/users/${encodeURIComponent(username)}/followers`,
  following: (username: string) => `#/users/${encodeURIComponent(username)}/following`,
  messages: '#/messages',
  conversation: (username: string) => `#/messages/${encodeURIComponent(username)}`,
  notifications: '#/notifications',
  post: (id: string) => `#/posts/${encodeURIComponent(id)}`,
  /** A comment: its post, with the comments open and this one marked. */
  comment: (postId: string, commentId: string) =>
    `#/posts/${encodeURIComponent(postId)}/comments/${encodeURIComponent(commentId)}`,
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
