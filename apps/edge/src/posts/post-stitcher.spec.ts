// The stitcher's cost and shape for a signed-in reader, with a recording stand-in for the mesh
// (pure unit test: the end-to-end suites run it against real graph, likes and comments).
import { describe, expect, it } from 'vitest';
import type { PostRecord } from '#contracts';
import type { EdgeMesh } from '../mesh/edge-mesh.js';
import type { EdgeMetrics } from '../metrics/edge-metrics.js';
import { PostStitcher } from './post-stitcher.js';

const VIEWER = '00000000-0000-4000-8000-000000000001';
const ANN = '00000000-0000-4000-8000-0000000000a1';
const BEN = '00000000-0000-4000-8000-0000000000b1';

const post = (n: number, authorId: string): PostRecord => ({
  id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  author: { id: authorId, username: `u${authorId.slice(-2)}`, displayName: 'U' },
  text: 'hi',
  mentions: [],
  mediaIds: [],
  createdAt: '2026-01-01T00:00:00.000Z',
});

/** A mesh that answers likes, comments and graph, records every request, and can lose graph. */
function stitcherWith(o: { graphDown?: boolean } = {}) {
  const calls: Array<{ subject: string; data: any }> = [];
  const mesh = {
    readOptional: (subject: string, data: any) => {
      calls.push({ subject, data });
      if (subject === 'likes.summary') return Promise.resolve({ summaries: {} });
      if (subject === 'comments.count') return Promise.resolve({ counts: {} });
      if (subject === 'graph.relationships') {
        if (o.graphDown) return Promise.resolve(null);
        const relationships = Object.fromEntries(
          (data.userIds as string[]).map((id) => [
            id,
            { followerCount: 1, followingCount: 0, followedByMe: id === ANN, followsMe: false },
          ]),
        );
        return Promise.resolve({ relationships });
      }
      return Promise.reject(new Error(`unexpected ${subject}`));
    },
  } as unknown as EdgeMesh;
  const degraded: string[] = [];
  const metrics = { degraded: (s: string) => degraded.push(s) } as unknown as EdgeMetrics;
  return { stitcher: new PostStitcher(mesh, metrics), calls, degraded };
}
const graphCalls = (calls: Array<{ subject: string }>) => calls.filter((c) => c.subject === 'graph.relationships');

describe('PostStitcher: whether the reader follows each author', () => {
  it('asks graph once per page, about each other author once, and says it on every post', async () => {
    const { stitcher, calls } = stitcherWith();
    const posts = [post(1, ANN), post(2, BEN), post(3, ANN), post(4, VIEWER), post(5, BEN)];
    const page = await stitcher.page(posts, null, VIEWER);
    expect(graphCalls(calls)).toEqual([
      { subject: 'graph.relationships', data: { userIds: [ANN, BEN], viewerId: VIEWER } },
    ]);
    expect(page.items.map((p) => p.author.followedByMe)).toEqual([true, false, true, null, false]);
    expect(page.degraded).toEqual([]);
  });

  it('does not ask graph for an anonymous reader, nor for a page of your own posts', async () => {
    const anonymous = stitcherWith();
    const page = await anonymous.stitcher.page([post(1, ANN)], null, undefined);
    expect(page.items[0].author).toEqual({ ...post(1, ANN).author, followedByMe: null });
    const own = stitcherWith();
    await own.stitcher.page([post(1, VIEWER), post(2, VIEWER)], null, VIEWER);
    expect([graphCalls(anonymous.calls), graphCalls(own.calls)]).toEqual([[], []]);
  });

  it('graph down: null on others’ posts, graph in their degraded and the page’s; your own post stays whole', async () => {
    const { stitcher, degraded } = stitcherWith({ graphDown: true });
    const page = await stitcher.page([post(1, ANN), post(2, VIEWER)], null, VIEWER);
    expect(page.items.map((p) => [p.author.followedByMe, p.degraded])).toEqual([
      [null, ['graph']],
      [null, []],
    ]);
    expect(page.degraded).toEqual(['graph']);
    expect(degraded).toEqual(['graph']);
  });

  it('needs no graph for authors the caller already knows you follow (the home feed built from followees)', async () => {
    const { stitcher, calls } = stitcherWith();
    const page = await stitcher.page(
      [post(1, ANN), post(2, BEN)],
      null,
      VIEWER,
      ['feed'],
      new Map([
        [ANN, true],
        [BEN, true],
      ]),
    );
    expect(graphCalls(calls)).toEqual([]);
    expect(page.items.map((p) => p.author.followedByMe)).toEqual([true, true]);
    expect(page.degraded).toEqual(['feed']);
  });

  it('takes what feed said of each author (followed or not) and asks graph only of the others', async () => {
    const { stitcher, calls } = stitcherWith();
    const CAT = '00000000-0000-4000-8000-0000000000c1';
    const page = await stitcher.page(
      [post(1, ANN), post(2, BEN), post(3, CAT)],
      null,
      VIEWER,
      [],
      new Map([
        [ANN, true],
        [BEN, false],
      ]),
    );
    expect(graphCalls(calls)).toEqual([{ subject: 'graph.relationships', data: { userIds: [CAT], viewerId: VIEWER } }]);
    // BEN: false from feed, though graph (this fake) would say nothing else; CAT: graph's answer.
    expect(page.items.map((p) => p.author.followedByMe)).toEqual([true, false, false]);
    expect(page.degraded).toEqual([]);
  });
});
