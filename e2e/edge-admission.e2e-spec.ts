// The edge's own concurrency limit (docs/fail-soft.md, "Under overload"), from outside: an edge
// whose limit is held at 2 while posts is frozen (SIGSTOP) holds two reads, refuses the rest at
// once with 503 naming `edge` and Retry-After, still answers its health checks, and counts the
// refusals; an edge with OVERLOAD_PROTECTION=false beside it refuses none.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, signup, startTestMesh, createPosts, type TestMesh } from '#testing';
import { problem } from './problem.js';

let mesh: TestMesh;
let limited: { url: string; adminUrl: string };
let unlimited: { url: string };
let postId: string;

beforeAll(async () => {
  mesh = await startTestMesh({ replicas: { identity: 1, posts: 1 } });
  const who = await signup(mesh.edgeUrl, 'admission_user');
  [postId] = await createPosts(mesh.edgeUrl, who, 1, 'held');
  const limit = {
    EDGE_CONCURRENCY_LIMIT_INITIAL: '2',
    EDGE_CONCURRENCY_LIMIT_MIN: '2',
    EDGE_CONCURRENCY_LIMIT_MAX: '2',
  };
  limited = await mesh.addEdge(limit);
  unlimited = await mesh.addEdge({ ...limit, OVERLOAD_PROTECTION: 'false' });
});
afterAll(async () => mesh?.stop());

const refusedTotal = async (adminUrl: string) =>
  Number(/^edge_refused_total (\d+)$/m.exec((await http(adminUrl, 'GET', '/metrics')).body as string)?.[1] ?? NaN);

describe('the edge at its concurrency limit', () => {
  it('holds as many requests as its limit; the rest get 503 edge + Retry-After at once, health checks pass', async () => {
    const [posts] = mesh.replicas.get('posts')!;
    const before = await refusedTotal(limited.adminUrl);
    posts.kill('SIGSTOP');
    try {
      // Two reads held by the frozen posts (they wait out its deadline)…
      const held = [0, 1].map(() => http(limited.url, 'GET', `/posts/${postId}`));
      await new Promise((r) => setTimeout(r, 50));
      // …so the next four are refused without waiting for anything.
      const refused = await Promise.all([0, 1, 2, 3].map(() => http(limited.url, 'GET', `/posts/${postId}`)));
      for (const r of refused) {
        expect(r.status).toBe(503);
        expect(r.body).toEqual(problem(503, { service: 'edge' }));
        expect(r.headers.get('retry-after')).toBe('1');
        expect(r.ms).toBeLessThan(150);
      }
      expect((await http(limited.url, 'GET', '/health/ready')).status).toBe(200);
      // The held ones end as a frozen posts makes them: 503 naming posts, after its deadline.
      for (const r of await Promise.all(held)) {
        expect(r.status).toBe(503);
        expect(r.body.service).toBe('posts');
      }
    } finally {
      posts.kill('SIGCONT');
    }
    expect((await refusedTotal(limited.adminUrl)) - before).toBe(4);
    // Once they are answered, the edge takes requests again.
    expect((await http(limited.url, 'GET', `/posts/${postId}`)).status).toBe(200);
  });

  it('with OVERLOAD_PROTECTION=false it holds them all (no limit, no refusal)', async () => {
    const [posts] = mesh.replicas.get('posts')!;
    posts.kill('SIGSTOP');
    let answers;
    try {
      answers = await Promise.all([0, 1, 2, 3, 4, 5].map(() => http(unlimited.url, 'GET', `/posts/${postId}`)));
    } finally {
      posts.kill('SIGCONT');
    }
    expect(answers.map((a) => a.body.service)).toEqual(Array(6).fill('posts'));
  });
});
