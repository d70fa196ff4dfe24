import { describe, expect, it } from 'vitest';
import type { Notification } from '../api/types';
import { actorsOf, appendOlder, mergeNewest, targetOf, verbOf } from './notification-list';

const user = (username: string) => ({ id: `id-${username}`, username, displayName: username.toUpperCase() });
const n = (id: string, createdAt: string, extra: Partial<Notification> = {}): Notification => ({
  id,
  type: 'follow',
  actor: user('ann'),
  createdAt,
  read: false,
  ...extra,
});
const at = (minute: number) => `2026-01-01T00:${String(minute).padStart(2, '0')}:00.000Z`;

describe('actorsOf and verbOf', () => {
  it('names a like group by its latest likers and counts the rest', () => {
    const like = n('1', at(1), {
      type: 'like',
      actor: user('cy'),
      actors: [user('cy'), user('bob'), user('ann')],
      count: 5,
      post: { id: 'p', excerpt: 'x' },
    });
    expect(actorsOf(like)).toEqual({ shown: [user('cy'), user('bob'), user('ann')], others: 2 });
    expect(verbOf(like)).toBe('liked your post');
    expect(actorsOf({ ...like, count: 1, actors: [user('cy')] })).toEqual({ shown: [user('cy')], others: 0 });
    // A like without its group fields still names its actor.
    expect(actorsOf({ ...like, actors: undefined, count: undefined })).toEqual({ shown: [user('cy')], others: 0 });
  });

  it('names the one actor of anything else', () => {
    expect(actorsOf(n('1', at(1), { type: 'mention', actor: user('bob') }))).toEqual({
      shown: [user('bob')],
      others: 0,
    });
    expect(verbOf(n('1', at(1)))).toBe('followed you');
    expect(verbOf(n('1', at(1), { type: 'mention' }))).toBe('mentioned you');
    expect(verbOf(n('1', at(1), { type: 'comment' }))).toBe('commented on your post');
  });
});

describe('targetOf', () => {
  it('leads to the comment on its post, the post, or the profile', () => {
    const post = { id: 'p1', excerpt: 'hi' };
    expect(targetOf(n('1', at(1), { type: 'comment', post, comment: { id: 'c1', excerpt: 'yo' } }))).toBe(
      '#/posts/p1/comments/c1',
    );
    expect(targetOf(n('1', at(1), { type: 'like', post }))).toBe('#/posts/p1');
    expect(targetOf(n('1', at(1), { type: 'mention', post }))).toBe('#/posts/p1');
    expect(targetOf(n('1', at(1), { actor: user('bob') }))).toBe('#/users/bob');
  });
});

describe('mergeNewest and appendOlder', () => {
  const shown = [n('c', at(3)), n('b', at(2)), n('a', at(1))];

  it('puts new ones and a like group that moved up on top, once, and keeps what is below the fresh page', () => {
    const moved = n('b', at(5), { type: 'like', count: 2 });
    expect(mergeNewest(shown, [moved, n('d', at(4)), n('c', at(3))], false).map((x) => x.id)).toEqual([
      'b',
      'd',
      'c',
      'a',
    ]);
  });

  it('drops a shown one that the fresh span no longer holds (taken back), and takes a last page as the whole', () => {
    expect(mergeNewest(shown, [n('c', at(3)), n('a', at(1))], false).map((x) => x.id)).toEqual(['c', 'a']);
    expect(mergeNewest(shown, [n('c', at(3))], true).map((x) => x.id)).toEqual(['c']);
    expect(mergeNewest(shown, [], true)).toEqual([]);
  });

  it('appends an older page without repeating any', () => {
    expect(appendOlder(shown, [n('a', at(1)), n('z', at(0))]).map((x) => x.id)).toEqual(['c', 'b', 'a', 'z']);
  });
});
