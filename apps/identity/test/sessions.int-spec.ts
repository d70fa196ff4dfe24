// Sessions in the real identity service, in this process, against a private nats-server (with
// JetStream, for the revocation events its outbox publishes) and PostgreSQL.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import type { NatsConnection } from '@nats-io/transport-node';
import { ErrorCodes, Events, Subjects, type AuthReply } from '#contracts';
import { EVENTS_STREAM } from '#events';
import type { MeshClient } from '#mesh';
import type { RunningService } from '#service';
import {
  dropSchemas,
  expectEventually,
  freshSchema,
  meshFailure,
  readStream,
  sql,
  startNatsServer,
  tempKeys,
  testClient,
  TEST_DATABASE_URL,
  type NatsServerHandle,
} from '#testing';
import { loadIdentityConfig } from '../src/identity.config.js';
import { startIdentity } from '../src/identity.app.js';

let nats: NatsServerHandle;
let identity: RunningService;
let client: { nc: NatsConnection; mesh: MeshClient };
const schema = freshSchema('identity');
const keys = tempKeys();
const PASSWORD = 'session password';
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const sid = (r: AuthReply) => decodeJwt(r.token).sid as string;
const ended = (message: string) => ({ code: ErrorCodes.unauthenticated, message, service: 'identity' });
const INVALID = ended('The refresh token is expired, unknown or ended.');
const REUSED = ended('The refresh token was used already: the session is ended.');

beforeAll(async () => {
  nats = await startNatsServer();
  identity = await startIdentity(
    loadIdentityConfig({
      NATS_URL: nats.url,
      DATABASE_URL: TEST_DATABASE_URL,
      IDENTITY_DB_SCHEMA: schema,
      JWT_PRIVATE_KEY_FILE: keys.privateKeyFile,
      ACCESS_TOKEN_TTL_SECONDS: '120',
      LOG_LEVEL: 'warn',
    }),
    { handleSignals: false },
  );
  client = await testClient(nats.url, 10_000);
});

afterAll(async () => {
  await client?.nc.close();
  await identity?.stop();
  await nats?.stop();
  await dropSchemas(schema);
});

const login = (username: string, password = PASSWORD) =>
  client.mesh.request(Subjects.identity.login, { username, password });
const refresh = (r: AuthReply) => client.mesh.request(Subjects.identity.refresh, { refreshToken: r.refreshToken });
/** Past the reuse grace (10 s by default): every rotated-away token is as old as a thief's copy. */
const ageRetired = () =>
  sql(`UPDATE "${schema}".session_retired_token SET retired_at = retired_at - interval '1 minute'`);
const revocations = async () =>
  (await readStream(client.nc, EVENTS_STREAM, Events.identity.sessionsRevoked)).map((e) => e.data as unknown);
const revocation = (userId: string, sessionIds: string[]) => ({
  eventId: expect.stringMatching(uuid),
  occurredAt: expect.any(String),
  userId,
  sessionIds,
  until: expect.any(String),
});

describe('sessions over NATS', () => {
  let user: AuthReply['user'];

  beforeAll(async () => {
    user = (await client.mesh.request(Subjects.identity.signup, { username: 'sam', password: PASSWORD })).user;
  });

  it('stores only the sha256 of the refresh token, and answers an access token of the session', async () => {
    const a = await login('sam');
    expect(a.expiresIn).toBe(120);
    const rows = await sql<{ id: string; refresh_hash: Buffer; user_id: string }>(
      `SELECT id, refresh_hash, user_id FROM "${schema}".session WHERE id = $1`,
      [sid(a)],
    );
    expect(rows).toEqual([
      { id: sid(a), user_id: user.id, refresh_hash: createHash('sha256').update(a.refreshToken).digest() },
    ]);
    const claims = decodeJwt(a.token);
    expect(claims.exp! - claims.iat!).toBe(120);
  });

  it('rotates on refresh: a new pair of the same session, and the old refresh token is dead', async () => {
    const a = await login('sam');
    const b = await refresh(a);
    expect(b).toEqual({ user, token: expect.any(String), refreshToken: expect.any(String), expiresIn: 120 });
    expect(b.refreshToken).not.toBe(a.refreshToken);
    expect(sid(b)).toBe(sid(a));
    const c = await refresh(b);
    expect(sid(c)).toBe(sid(a));
  });

  it('ends the whole session when a rotated-away refresh token comes back (reuse), and says so', async () => {
    const a = await login('sam');
    const b = await refresh(a);
    await ageRetired();
    expect(await meshFailure(refresh(a))).toEqual(REUSED);
    // The thief's copy and the rightful holder's are both dead now.
    expect(await meshFailure(refresh(b))).toEqual(INVALID);
    await expectEventually(async () => expect(await revocations()).toContainEqual(revocation(user.id, [sid(a)])));
  });

  it('lets a token rotated away seconds ago refresh once more (a lost answer), not as reuse', async () => {
    const a = await login('sam');
    const b = await refresh(a);
    // The answer with b never arrived: the client tries a again, within the grace.
    const b2 = await refresh(a);
    expect(sid(b2)).toBe(sid(a));
    expect(b2.refreshToken).not.toBe(b.refreshToken);
    expect(sid(await refresh(b2))).toBe(sid(a));
    await ageRetired();
    expect(await meshFailure(refresh(a))).toEqual(REUSED);
  });

  it('refuses an unknown refresh token and a malformed one, field by field', async () => {
    expect(await meshFailure(client.mesh.request(Subjects.identity.refresh, { refreshToken: 'A'.repeat(43) }))).toEqual(
      INVALID,
    );
    expect(
      await meshFailure(client.mesh.request(Subjects.identity.refresh, { refreshToken: 'no spaces here!' })),
    ).toEqual({
      code: ErrorCodes.invalid,
      message: 'The request is not valid.',
      errors: [{ field: 'refreshToken', message: 'refreshToken must be a refresh token as login gave it' }],
      service: 'identity',
    });
  });

  it('logs out one session: its refresh token is dead, the others live on, and the event goes out', async () => {
    const a = await login('sam');
    const other = await login('sam');
    expect(await client.mesh.request(Subjects.identity.logout, { userId: user.id, sessionId: sid(a) })).toEqual({
      revoked: 1,
    });
    expect(await client.mesh.request(Subjects.identity.logout, { userId: user.id, sessionId: sid(a) })).toEqual({
      revoked: 0,
    });
    expect(await meshFailure(refresh(a))).toEqual(INVALID);
    expect(sid(await refresh(other))).toBe(sid(other));
    await expectEventually(async () => expect(await revocations()).toContainEqual(revocation(user.id, [sid(a)])));
  });

  it("cannot log out another user's session", async () => {
    const a = await login('sam');
    const mallory = await client.mesh.request(Subjects.identity.signup, { username: 'mal', password: PASSWORD });
    expect(await client.mesh.request(Subjects.identity.logout, { userId: mallory.user.id, sessionId: sid(a) })).toEqual(
      { revoked: 0 },
    );
    expect(sid(await refresh(a))).toBe(sid(a));
  });

  it('changes the password: the old one is refused, every other session ends, this one stays', async () => {
    const u = await client.mesh.request(Subjects.identity.signup, { username: 'pat', password: PASSWORD });
    const phone = await login('pat');
    const laptop = await login('pat');
    const change = (currentPassword: string, newPassword: string) =>
      client.mesh.request(Subjects.identity.changePassword, {
        userId: u.user.id,
        sessionId: sid(u),
        currentPassword,
        newPassword,
      });
    expect(await meshFailure(change('not the password', 'a new password'))).toEqual({
      code: ErrorCodes.invalid,
      message: 'currentPassword is wrong',
      errors: [{ field: 'currentPassword', message: 'currentPassword is wrong' }],
      service: 'identity',
    });
    expect(await change(PASSWORD, 'a new password')).toEqual({ revoked: 2 });
    expect(await meshFailure(login('pat'))).toEqual(ended('wrong username or password'));
    expect((await login('pat', 'a new password')).user).toEqual(u.user);
    for (const gone of [phone, laptop]) expect(await meshFailure(refresh(gone))).toEqual(INVALID);
    expect(sid(await refresh(u))).toBe(sid(u));
    await expectEventually(async () => {
      const found = (await revocations()).find((e) => (e as { userId: string }).userId === u.user.id);
      expect(found).toEqual(revocation(u.user.id, expect.arrayContaining([sid(phone), sid(laptop)])));
    });
  });
});
