import { describe, expect, it } from 'vitest';
import type { AppName } from './app-catalogue.js';
import { readyFacts, readyLine } from './ready-line.js';

const counts = (o: Partial<Record<AppName, number>>) => new Map(Object.entries(o) as Array<[AppName, number]>);

describe('the ready line', () => {
  it('says where to go, what runs and how to stop, for the default mesh', () => {
    const all = counts({
      identity: 1,
      posts: 1,
      comments: 1,
      likes: 1,
      media: 1,
      messaging: 1,
      graph: 1,
      feed: 1,
      notifications: 1,
      edge: 1,
    });
    expect(readyLine(readyFacts(all, '0.0.0.0', 3000))).toBe(
      'failsoft is up: http://localhost:3000 · 9 services, 10 replicas · Ctrl-C to stop',
    );
  });

  it('counts replicas, not apps, leaves out apps at 0, and says when there is no edge', () => {
    expect(readyLine(readyFacts(counts({ posts: 2, likes: 0 }), '0.0.0.0', 3000))).toBe(
      'failsoft is up: no edge (not in MESH_APPS) · 1 service, 2 replicas · Ctrl-C to stop',
    );
    expect(readyFacts(counts({ edge: 2, posts: 1 }), 'mesh.example', 4000)).toEqual({
      url: 'http://mesh.example:4000',
      services: 1,
      replicas: 3,
    });
  });
});
