import { describe, expect, it } from 'vitest';
import { href, parseRoute } from './router';

describe('parseRoute', () => {
  it('reads every page, the old #/u/ profile links too', () => {
    expect(parseRoute('')).toEqual({ name: 'root' });
    expect(parseRoute('#/')).toEqual({ name: 'root' });
    expect(parseRoute('#/home')).toEqual({ name: 'feed' });
    expect(parseRoute('#/everyone')).toEqual({ name: 'everyone' });
    expect(parseRoute('#/users/alice')).toEqual({ name: 'user', username: 'alice' });
    expect(parseRoute('#/u/alice')).toEqual({ name: 'user', username: 'alice' });
    expect(parseRoute('#/users/alice/followers')).toEqual({ name: 'followers', username: 'alice' });
    expect(parseRoute('#/users/alice/following')).toEqual({ name: 'following', username: 'alice' });
    expect(parseRoute('#/messages/bob')).toEqual({ name: 'conversation', username: 'bob' });
    expect(parseRoute('#/notifications')).toEqual({ name: 'notifications' });
    expect(parseRoute('#/posts/p1')).toEqual({ name: 'post', id: 'p1' });
    expect(parseRoute('#/posts/p1/comments/c1')).toEqual({ name: 'post', id: 'p1', commentId: 'c1' });
  });

  it('gives back what href makes', () => {
    expect(parseRoute(href.user('a_b'))).toEqual({ name: 'user', username: 'a_b' });
    expect(parseRoute(href.followers('a_b'))).toEqual({ name: 'followers', username: 'a_b' });
    expect(parseRoute(href.following('a_b'))).toEqual({ name: 'following', username: 'a_b' });
    expect(parseRoute(href.everyone)).toEqual({ name: 'everyone' });
    expect(parseRoute(href.feed)).toEqual({ name: 'feed' });
    expect(parseRoute(href.notifications)).toEqual({ name: 'notifications' });
    expect(parseRoute(href.post('p-1'))).toEqual({ name: 'post', id: 'p-1' });
    expect(parseRoute(href.comment('p-1', 'c-2'))).toEqual({ name: 'post', id: 'p-1', commentId: 'c-2' });
  });

  it('is not found for anything else, a malformed escape included', () => {
    for (const hash of [
      '#/users',
      '#/users/alice/likes',
      '#/home/x',
      '#/users/%E0%A4%A',
      '#/nope',
      '#/posts',
      '#/posts/p1/likes/x',
      '#/notifications/x',
    ]) {
      expect(parseRoute(hash), hash).toEqual({ name: 'not-found' });
    }
  });
});
