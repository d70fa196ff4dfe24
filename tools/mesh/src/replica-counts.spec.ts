import { describe, expect, it } from 'vitest';
import { parseAppList, parseReplicaCounts, parseReplicaPair } from './replica-counts.js';

describe('parseAppList (MESH_APPS)', () => {
  it('runs every app when unset or empty', () => {
    expect(parseAppList(undefined)).toEqual([
      'identity',
      'posts',
      'comments',
      'likes',
      'media',
      'messaging',
      'graph',
      'feed',
      'notifications',
      'edge',
    ]);
    expect(parseAppList(' , ')).toEqual([
      'identity',
      'posts',
      'comments',
      'likes',
      'media',
      'messaging',
      'graph',
      'feed',
      'notifications',
      'edge',
    ]);
  });

  it('keeps catalogue order and drops repeats', () => {
    expect(parseAppList('edge, posts,edge')).toEqual(['posts', 'edge']);
  });

  it('rejects an unknown app in one line naming the variable', () => {
    expect(() => parseAppList('posts,likez')).toThrow(
      'MESH_APPS: unknown app "likez" (known: identity, posts, comments, likes, media, messaging, graph, feed, notifications, edge)',
    );
  });
});

describe('parseReplicaCounts (REPLICAS)', () => {
  it('gives every selected app one replica unless told otherwise', () => {
    expect(parseReplicaCounts('posts=3,edge=0', ['identity', 'posts', 'edge'])).toEqual(
      new Map([
        ['identity', 1],
        ['posts', 3],
        ['edge', 0],
      ]),
    );
    expect(parseReplicaCounts(undefined, ['posts'])).toEqual(new Map([['posts', 1]]));
  });

  it.each([
    [
      'likez=3',
      'REPLICAS: unknown app "likez" (known: identity, posts, comments, likes, media, messaging, graph, feed, notifications, edge)',
    ],
    ['posts=-1', 'REPLICAS: posts=-1: the count must be a whole number'],
    ['posts=two', 'REPLICAS: posts=two: the count must be a whole number'],
    ['posts=1.5', 'REPLICAS: posts=1.5: the count must be a whole number'],
    ['posts=', 'REPLICAS: posts=: the count must be a whole number'],
    ['posts', 'REPLICAS: "posts" is not <app>=<count>'],
    ['posts=33', 'REPLICAS: posts=33: at most 32 replicas'],
    ['posts=1,posts=2', 'REPLICAS: posts is given twice'],
    ['identity=2', 'REPLICAS: identity is not in MESH_APPS (posts)'],
  ])('rejects %s', (text, message) => {
    expect(() => parseReplicaCounts(text, ['posts'])).toThrow(message);
  });

  it('names the flag when the counts came from --replicas', () => {
    expect(() => parseReplicaCounts('posts=x', ['posts'], '--replicas')).toThrow(
      '--replicas: posts=x: the count must be a whole number',
    );
  });
});

describe('parseReplicaPair', () => {
  it('tolerates spaces around the parts', () => {
    expect(parseReplicaPair(' posts = 2 ', 'scale')).toEqual({ app: 'posts', replicas: 2 });
  });
});
