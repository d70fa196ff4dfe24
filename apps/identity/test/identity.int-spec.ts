// The real identity service, in this process, against a private nats-server and PostgreSQL.
import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jwtVerify } from 'jose';
import type { NatsConnection } from '@nats-io/transport-node';
import { ErrorCodes, MeshError, Subjects, TokenAlgorithm, TokenAudience, TokenIssuer, type UserDto } from '#contracts';
import { type MeshClient } from '#mesh';
import { type RunningService } from '#service';
import {
  dropSchemas,
  freshSchema,
  sql,
  startNatsServer,
  tempKeys,
  testClient,
  TEST_DATABASE_URL,
  type NatsServerHandle,
  meshFailure,
  serviceInfo,
} from '#testing';
import { loadIdentityConfig } from '../src/identity.config.js';
import { startIdentity } from '../src/identity.app.js';

let nats: NatsServerHandle;
let identity: RunningService;
let client: { nc: NatsConnection; mesh: MeshClient };
const schema = freshSchema('identity');
const keys = tempKeys();
const publicKey = createPublicKey(readFileSync(keys.publicKeyFile, 'utf8'));
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const iso = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const pinned = { algorithms: [TokenAlgorithm], issuer: TokenIssuer, audience: TokenAudience };
const anyUser = (username: string, displayName: string) => ({
  id: expect.stringMatching(uuid),
  username,
  displayName,
  createdAt: expect.stringMatching(iso),
});

beforeAll(async () => {
  nats = await startNatsServer();
  identity = await startIdentity(
    loadIdentityConfig({
      NATS_URL: nats.url,
      DATABASE_URL: TEST_DATABASE_URL,
      IDENTITY_DB_SCHEMA: schema,
      JWT_PRIVATE_KEY_FILE: keys.privateKeyFile,
      LOG_LEVEL: 'warn',
    }),
    { handleSignals: false },
  );
  // Hashing takes ~200 ms a time and tests send several at once: a roomier deadline.
  client = await testClient(nats.url, 10_000);
});

afterAll(async () => {
  await client?.nc.close();
  await identity?.stop();
  await nats?.stop();
  await dropSchemas(schema);
});

const countUsers = async (username: string) =>
  Number(
    (await sql<{ n: string }>(`SELECT count(*) AS n FROM "${schema}"."user" WHERE username = $1`, [username]))[0].n,
  );

describe('identity over NATS', () => {
  let alice: UserDto;

  it('signs up: the whole user, and a token the public key verifies with the user in its claims', async () => {
    const before = Date.now();
    const reply = await client.mesh.request(Subjects.identity.signup, {
      username: 'alice',
      password: 'correct horse battery',
      displayName: '  Alice A.  ',
    });
    expect(reply).toEqual({
      user: anyUser('alice', 'Alice A.'),
      token: expect.any(String),
      refreshToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      expiresIn: 900,
    });
    alice = reply.user;
    expect(Date.parse(alice.createdAt)).toBeGreaterThanOrEqual(before - 1000);

    const { payload, protectedHeader } = await jwtVerify(reply.token, publicKey, pinned);
    expect(protectedHeader).toEqual({ alg: 'EdDSA', typ: 'JWT' });
    expect(payload).toEqual({
      sub: alice.id,
      sid: expect.stringMatching(uuid),
      username: 'alice',
      displayName: 'Alice A.',
      createdAt: alice.createdAt,
      iss: 'failsoft-identity',
      aud: 'failsoft',
      iat: expect.any(Number),
      exp: payload.iat! + 900,
    });
  });

  it('stores a scrypt hash, never the password', async () => {
    const rows = await sql<{ password_hash: string }>(
      `SELECT password_hash FROM "${schema}"."user" WHERE username = 'alice'`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].password_hash).toMatch(/^scrypt\$32768\$8\$3\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/);
    expect(rows[0].password_hash).not.toContain('correct horse battery');
  });

  it('defaults displayName to the username', async () => {
    const reply = await client.mesh.request(Subjects.identity.signup, { username: 'bob_2', password: 'bob password' });
    expect(reply.user).toEqual(anyUser('bob_2', 'bob_2'));
  });

  it('answers conflict for a taken username and keeps one row', async () => {
    const err = await meshFailure(
      client.mesh.request(Subjects.identity.signup, { username: 'alice', password: 'another password' }),
    );
    expect(err).toEqual({
      code: ErrorCodes.conflict,
      message: 'username is taken',
      errors: [{ field: 'username', message: 'username is taken' }],
      service: 'identity',
    });
    expect(await countUsers('alice')).toBe(1);
  });

  it('lets exactly one of two concurrent signups with one name win', async () => {
    const results = await Promise.allSettled([
      client.mesh.request(Subjects.identity.signup, { username: 'racer', password: 'first password' }),
      client.mesh.request(Subjects.identity.signup, { username: 'racer', password: 'second password' }),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect([won.length, lost.length]).toEqual([1, 1]);
    expect(lost[0].reason).toBeInstanceOf(MeshError);
    expect((lost[0].reason as MeshError).code).toBe(ErrorCodes.conflict);
    expect(await countUsers('racer')).toBe(1);
  });

  it('logs in with the right pair: the same user, a fresh valid token', async () => {
    const reply = await client.mesh.request(Subjects.identity.login, {
      username: 'alice',
      password: 'correct horse battery',
    });
    expect(reply).toEqual({ user: alice, token: expect.any(String), refreshToken: expect.any(String), expiresIn: 900 });
    const { payload } = await jwtVerify(reply.token, publicKey, pinned);
    expect(payload.sub).toBe(alice.id);
  });

  it('gives a wrong password and an unknown user the same answer', async () => {
    const expected = { code: ErrorCodes.unauthenticated, message: 'wrong username or password', service: 'identity' };
    const wrong = await meshFailure(
      client.mesh.request(Subjects.identity.login, { username: 'alice', password: 'correct horse batterz' }),
    );
    const unknown = await meshFailure(
      client.mesh.request(Subjects.identity.login, { username: 'nobody', password: 'correct horse battery' }),
    );
    expect(wrong).toEqual(expected);
    expect(unknown).toEqual(expected);
  });

  it('takes about as long for an unknown user as for a wrong password (one scrypt either way)', async () => {
    const timed = async (username: string) => {
      const started = performance.now();
      await meshFailure(client.mesh.request(Subjects.identity.login, { username, password: 'not the password' }));
      return performance.now() - started;
    };
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1];
    const wrong: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 3; i++) {
      wrong.push(await timed('alice'));
      unknown.push(await timed('nobody'));
    }
    // Loose on purpose (a shared 2-core machine is noisy): skipping the hash would be ~50x faster.
    expect(median(unknown)).toBeGreaterThan(median(wrong) / 3);
    expect(median(unknown)).toBeLessThan(median(wrong) * 3);
  });

  it('gets users by id and by username, and answers not_found otherwise', async () => {
    expect(await client.mesh.request(Subjects.identity.getUser, { id: alice.id })).toEqual(alice);
    expect(await client.mesh.request(Subjects.identity.lookupUser, { username: 'alice' })).toEqual(alice);
    const notFound = { code: ErrorCodes.notFound, message: 'no such user', service: 'identity' };
    expect(
      await meshFailure(client.mesh.request(Subjects.identity.getUser, { id: '33333333-3333-4333-8333-333333333333' })),
    ).toEqual(notFound);
    expect(await meshFailure(client.mesh.request(Subjects.identity.lookupUser, { username: 'nobody' }))).toEqual(
      notFound,
    );
  });

  it('rejects unknown fields and writes nothing', async () => {
    const err = await meshFailure(
      client.mesh.request(Subjects.identity.signup, {
        username: 'mallory',
        password: 'mallory password',
        isAdmin: true,
      } as never),
    );
    expect(err).toEqual({
      code: ErrorCodes.invalid,
      message: 'The request is not valid.',
      errors: [{ field: 'isAdmin', message: 'unknown field' }],
      service: 'identity',
    });
    expect(await countUsers('mallory')).toBe(0);
  });

  it('rejects a bad username and a short password, field by field', async () => {
    const err = await meshFailure(
      client.mesh.request(Subjects.identity.signup, { username: 'No Spaces!', password: 'short' }),
    );
    expect(err).toEqual({
      code: ErrorCodes.invalid,
      message: 'The request is not valid.',
      errors: [
        { field: 'username', message: 'username must be 3-32 characters of a-z, 0-9 and _' },
        { field: 'password', message: 'password must be at least 8 characters' },
      ],
      service: 'identity',
    });
    const bad = await meshFailure(client.mesh.request(Subjects.identity.getUser, { id: 'nope' }));
    expect(bad).toEqual({
      code: ErrorCodes.invalid,
      message: 'The request is not valid.',
      errors: [{ field: 'id', message: 'must be a UUID' }],
      service: 'identity',
    });
    expect(await countUsers('No Spaces!')).toBe(0);
  });

  it('registers its seven endpoints with the service API in queue group identity', async () => {
    const info = await serviceInfo(client.nc, 'identity');
    expect(info.name).toBe('identity');
    expect(info.endpoints).toEqual([
      ['identity.login', 'identity'],
      ['identity.password.change', 'identity'],
      ['identity.sessions.logout', 'identity'],
      ['identity.sessions.refresh', 'identity'],
      ['identity.signup', 'identity'],
      ['identity.users.get', 'identity'],
      ['identity.users.lookup', 'identity'],
    ]);
  });
});
