// Sessions through the edge, against a mesh of processes with two edges: refresh tokens rotate
// (a reused one ends the session), logout and a password change end sessions at every edge
// within seconds while tokens are still verified at the edge alone, so signed-in users keep
// working with identity down.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { expectEventually, http, startTestMesh, type TestMesh } from '#testing';
import { problem } from './problem.js';

let mesh: TestMesh;
let edgeA: string;
let edgeB: string;
const PASSWORD = 'session password';

interface Auth {
  user: { id: string; username: string; displayName: string; createdAt: string };
  token: string;
  refreshToken: string;
  expiresIn: number;
}
const authShape = (user: Auth['user']) => ({
  user,
  token: expect.any(String),
  refreshToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
  expiresIn: 900,
});
const sid = (a: Auth) => decodeJwt(a.token).sid;

async function login(username: string, password = PASSWORD, edge = edgeA): Promise<Auth> {
  const res = await http<Auth>(edge, 'POST', '/auth/login', { body: { username, password } });
  expect(res.status).toBe(200);
  return res.body;
}
const me = (edge: string, a: Auth) => http(edge, 'GET', '/users/me', { token: a.token });
const refresh = (a: Auth, edge = edgeA) =>
  http<Auth>(edge, 'POST', '/auth/refresh', { body: { refreshToken: a.refreshToken } });
const ENDED = problem(401, { detail: 'The session has ended (signed out, or the password changed).' });

/** Until the token is refused at `edge` (polled every 10 ms); how long that took. */
async function msUntilRefused(edge: string, a: Auth, since: number): Promise<number> {
  await expectEventually(
    async () => {
      const res = await me(edge, a);
      expect({ status: res.status, body: res.body }).toEqual({ status: 401, body: ENDED });
    },
    { timeoutMs: 5000, intervalMs: 10 },
  );
  return performance.now() - since;
}

beforeAll(async () => {
  // No grace for a lost refresh answer: a second use is reuse at once (the web client test runs the default).
  mesh = await startTestMesh({
    replicas: { identity: 1 },
    env: { ACCESS_LOG: 'false', REFRESH_REUSE_GRACE_SECONDS: '0' },
  });
  edgeA = mesh.edgeUrl;
  edgeB = (await mesh.addEdge()).url;
  for (const username of ['sue', 'tom', 'una']) {
    const res = await http(edgeA, 'POST', '/auth/signup', { body: { username, password: PASSWORD } });
    expect(res.status).toBe(201);
  }
}, 90_000);
afterAll(async () => mesh?.stop());

describe('sessions', () => {
  it('answers login with an access token of 15 min and a refresh token; refresh rotates them', async () => {
    const a = await login('sue');
    expect(a).toEqual(authShape(a.user));
    const claims = decodeJwt(a.token);
    expect(claims.exp! - claims.iat!).toBe(900);
    const b = await refresh(a, edgeB);
    expect({ status: b.status, body: b.body }).toEqual({ status: 200, body: authShape(a.user) });
    expect(b.body.refreshToken).not.toBe(a.refreshToken);
    expect(sid(b.body)).toBe(sid(a));
    expect((await me(edgeA, b.body)).status).toBe(200);
  });

  it('ends the whole session when an old refresh token is used again, at both edges', async () => {
    const a = await login('sue');
    const b = (await refresh(a)).body;
    const reused = await refresh(a, edgeB);
    expect({ status: reused.status, body: reused.body }).toEqual({
      status: 401,
      body: problem(401, { detail: 'The refresh token was used already: the session is ended.' }),
    });
    const next = await refresh(b);
    expect({ status: next.status, body: next.body }).toEqual({
      status: 401,
      body: problem(401, { detail: 'The refresh token is expired, unknown or ended.' }),
    });
    const since = performance.now();
    await msUntilRefused(edgeA, b, since);
    await msUntilRefused(edgeB, b, since);
  });

  it('refuses a malformed refresh body (400) and an unknown refresh token (401)', async () => {
    const empty = await http(edgeA, 'POST', '/auth/refresh', { body: {} });
    expect({ status: empty.status, body: empty.body }).toEqual({
      status: 400,
      body: problem(400, { errors: [{ field: 'refreshToken', message: 'refreshToken must be a string' }] }),
    });
    const unknown = await http(edgeA, 'POST', '/auth/refresh', { body: { refreshToken: 'x'.repeat(43) } });
    expect({ status: unknown.status, body: unknown.body }).toEqual({
      status: 401,
      body: problem(401, { detail: 'The refresh token is expired, unknown or ended.' }),
    });
  });

  it('logs out: the token is refused at this edge at once and at the other within a few seconds', async () => {
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      const a = await login('tom');
      const keep = await login('tom');
      expect((await me(edgeB, a)).status).toBe(200);
      const since = performance.now();
      const out = await http(edgeA, 'POST', '/auth/logout', { token: a.token });
      expect({ status: out.status, body: out.body }).toEqual({ status: 200, body: { revoked: 1 } });
      const here = await me(edgeA, a);
      expect({ status: here.status, body: here.body }).toEqual({ status: 401, body: ENDED });
      delays.push(await msUntilRefused(edgeB, a, since));
      // The refresh token died with it; another session of the same user did not.
      expect((await refresh(a, edgeB)).status).toBe(401);
      expect((await me(edgeB, keep)).status).toBe(200);
      const again = await http(edgeB, 'POST', '/auth/logout', { token: a.token });
      expect({ status: again.status, body: again.body }).toEqual({ status: 401, body: ENDED });
    }
    delays.sort((x, y) => x - y);
    process.stdout.write(
      `logout at edge A → 401 at edge B: ${delays.map((d) => d.toFixed(0)).join(', ')} ms (median ${delays[2].toFixed(0)} ms)\n`,
    );
    expect(delays[4]).toBeLessThan(3000);
  });

  it('changes the password: other sessions end at both edges, this one stays, the old password is refused', async () => {
    const current = await login('una');
    const other = await login('una', PASSWORD, edgeB);
    const wrong = await http(edgeA, 'POST', '/auth/password', {
      token: current.token,
      body: { currentPassword: 'not it at all', newPassword: 'brand new password' },
    });
    expect({ status: wrong.status, body: wrong.body }).toEqual({
      status: 400,
      body: problem(400, { errors: [{ field: 'currentPassword', message: 'currentPassword is wrong' }] }),
    });
    const short = await http(edgeA, 'POST', '/auth/password', {
      token: current.token,
      body: { currentPassword: PASSWORD, newPassword: 'short' },
    });
    expect({ status: short.status, body: short.body }).toEqual({
      status: 400,
      body: problem(400, { errors: [{ field: 'newPassword', message: 'newPassword must be at least 8 characters' }] }),
    });
    expect((await me(edgeB, other)).status).toBe(200);

    const changed = await http(edgeA, 'POST', '/auth/password', {
      token: current.token,
      body: { currentPassword: PASSWORD, newPassword: 'brand new password' },
    });
    // The other login and the session sign-up started.
    expect({ status: changed.status, body: changed.body }).toEqual({ status: 200, body: { revoked: 2 } });
    const since = performance.now();
    await msUntilRefused(edgeA, other, since);
    await msUntilRefused(edgeB, other, since);
    for (const edge of [edgeA, edgeB]) expect((await me(edge, current)).status).toBe(200);
    const old = await http(edgeA, 'POST', '/auth/login', { body: { username: 'una', password: PASSWORD } });
    expect({ status: old.status, body: old.body }).toEqual({ status: 401, body: problem(401) });
    expect((await login('una', 'brand new password')).user).toEqual(current.user);
    expect((await refresh(current)).status).toBe(200);

    // An edge started afterwards reads the revocations of the last access-token lifetime.
    const started = performance.now();
    const edgeC = (await mesh.addEdge()).url;
    const ready = performance.now();
    const caughtUp = await msUntilRefused(edgeC, other, ready);
    process.stdout.write(
      `new edge: ready in ${(ready - started).toFixed(0)} ms, refuses a revoked session ${caughtUp.toFixed(0)} ms later\n`,
    );
    expect((await me(edgeC, current)).status).toBe(200);
  });

  it('without a token: logout and password change are 401, and nothing changes', async () => {
    for (const path of ['/auth/logout', '/auth/password']) {
      const res = await http(edgeA, 'POST', path, { body: {} });
      expect({ status: res.status, body: res.body }, path).toEqual({ status: 401, body: problem(401) });
    }
  });

  // Last: it stops identity for good.
  it('with identity down, signed-in users still work (verified at the edge) and refresh is 503', async () => {
    const a = await login('sue');
    const identity = mesh.replicas.get('identity')![0];
    identity.kill('SIGTERM');
    await identity.exited;
    for (const edge of [edgeA, edgeB]) {
      const res = await me(edge, a);
      // graph is not part of this mesh: the follow fields are left out, as degraded.
      const user = { ...a.user, followerCount: null, followingCount: null, followedByMe: null, followsMe: null };
      expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { ...user, degraded: ['graph'] } });
    }
    await expectEventually(async () => {
      const res = await refresh(a);
      expect({ status: res.status, body: res.body }).toEqual({
        status: 503,
        body: problem(503, { service: 'identity' }),
      });
    });
    const out = await http(edgeB, 'POST', '/auth/logout', { token: a.token });
    expect({ status: out.status, body: out.body }).toEqual({
      status: 503,
      body: problem(503, { service: 'identity' }),
    });
    expect((await me(edgeB, a)).status).toBe(200);
  });
});
