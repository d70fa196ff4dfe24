// The breaker counts outages only: answers a client caused (overloaded, 4xx) never open it.
import { describe, expect, it } from 'vitest';
import { ErrorCodes, MeshError, Subjects } from '#contracts';
import type { MeshClient } from '#mesh';
import { loadEdgeConfig } from '../edge.config.js';
import { EdgeMetrics } from '../metrics/edge-metrics.js';
import { EdgeMesh } from './edge-mesh.js';
import { Brownout } from '../fail-soft/brownout.js';

/** A mesh client that fails every request with `code` (a pure unit test: no NATS). */
function failingWith(code: (typeof ErrorCodes)[keyof typeof ErrorCodes]) {
  let calls = 0;
  const client = {
    request: () => {
      calls++;
      return Promise.reject(new MeshError(code, `failed with ${code}`, undefined, 'identity'));
    },
    unservedError: () => new MeshError(ErrorCodes.unavailable, 'no replica of identity is running'),
  } as unknown as MeshClient;
  const mesh = new EdgeMesh(client, loadEdgeConfig({ JWT_PUBLIC_KEY: 'pem' }), new EdgeMetrics());
  return { mesh, calls: () => calls };
}

const login = { username: 'someone', password: 'a password' };

describe("the edge's breaker for a service", () => {
  it.each([ErrorCodes.overloaded, ErrorCodes.unauthenticated, ErrorCodes.invalid, ErrorCodes.rateLimited])(
    'does not open on %s answers, however many',
    async (code) => {
      const { mesh, calls } = failingWith(code);
      for (let i = 0; i < 20; i++) {
        await expect(mesh.write(Subjects.identity.login, login)).rejects.toMatchObject({ code });
      }
      expect(calls()).toBe(20);
    },
  );

  it('opens after three calls found no replica (so the test above could fail)', async () => {
    const { mesh, calls } = failingWith(ErrorCodes.noResponders);
    for (let i = 0; i < 3; i++) {
      await expect(mesh.read(Subjects.identity.getUser, { id: 'x' })).rejects.toMatchObject({
        code: ErrorCodes.noResponders,
      });
    }
    await expect(mesh.read(Subjects.identity.getUser, { id: 'x' })).rejects.toMatchObject({
      code: ErrorCodes.unavailable,
    });
    expect(calls()).toBe(3);
  });
});

describe('criticality of the edge calls', () => {
  /** A client that records each call's options and answers with `answer`. */
  function recording(answer: () => Promise<unknown>) {
    const asked: Array<{ subject: string; criticality: unknown }> = [];
    const client = {
      request: (subject: string, _data: unknown, opts: { criticality?: unknown }) => {
        asked.push({ subject, criticality: opts.criticality });
        return answer();
      },
      unservedError: () => new MeshError(ErrorCodes.unavailable, 'none'),
    } as unknown as MeshClient;
    return { mesh: new EdgeMesh(client, loadEdgeConfig({ JWT_PUBLIC_KEY: 'pem' }), new EdgeMetrics()), asked };
  }

  it("marks the route's own read critical and a stitched extra degradable", async () => {
    const { mesh, asked } = recording(() => Promise.resolve({ summaries: {} }));
    await mesh.read(Subjects.posts.get, { id: 'x' });
    await mesh.readOptional(Subjects.likes.summary, { postIds: ['x'] });
    expect(asked).toEqual([
      { subject: Subjects.posts.get, criticality: 'critical' },
      { subject: Subjects.likes.summary, criticality: 'degradable' },
    ]);
  });

  it('leaves out a stitched extra that busy replicas refused (degraded, as if down), but a critical read fails', async () => {
    const refuse = () => Promise.reject(new MeshError(ErrorCodes.overloaded, 'busy', undefined, 'likes'));
    const { mesh } = recording(refuse);
    await expect(mesh.readOptional(Subjects.likes.summary, { postIds: ['x'] })).resolves.toBeNull();
    await expect(mesh.read(Subjects.likes.summary, { postIds: ['x'] })).rejects.toMatchObject({
      code: ErrorCodes.overloaded,
    });
  });
});

describe('an optional read under brownout', () => {
  it('is skipped without a request, as if its service were down', async () => {
    let calls = 0;
    const client = {
      request: () => {
        calls++;
        return Promise.resolve({ summaries: {} });
      },
    } as unknown as MeshClient;
    const brownout = new Brownout({ enabled: true, latencyTargetMs: 100, refusedShare: 0.1, holdMs: 2000 });
    const mesh = new EdgeMesh(client, loadEdgeConfig({ JWT_PUBLIC_KEY: 'pem' }), new EdgeMetrics(), brownout);
    await expect(mesh.readOptional(Subjects.likes.summary, { postIds: ['x'] })).resolves.toEqual({ summaries: {} });
    for (let i = 0; i < 5; i++) brownout.observe('likes', 'overloaded', 0);
    await expect(mesh.readOptional(Subjects.likes.summary, { postIds: ['x'] })).resolves.toBeNull();
    // The route's own read still goes out.
    await expect(mesh.read(Subjects.likes.summary, { postIds: ['x'] })).resolves.toEqual({ summaries: {} });
    expect(calls).toBe(2);
  });
});
