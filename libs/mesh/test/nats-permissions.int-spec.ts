// The generated NATS authorization on a real nats-server: each app's credentials reach only its
// own subjects. Violations are the server's own "Permissions Violation" errors.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '#testing';
import { inboxPrefixFor } from '#mesh';
import {
  authorizationConfig,
  generateCredentials,
  type NatsCredential,
  type NatsUser,
} from '../src/nats-permissions.js';

let server: ChildProcess;
let dir: string;
let url: string;
let credentials: NatsCredential[];
const open: NatsConnection[] = [];

async function as(user: NatsUser): Promise<NatsConnection> {
  const c = credentials.find((x) => x.user === user)!;
  const nc = await connect({ servers: url, user: c.user, pass: c.password, inboxPrefix: inboxPrefixFor(user) });
  open.push(nc);
  return nc;
}

/** The next permission error the server reports on this connection (or null within `ms`). */
function nextViolation(nc: NatsConnection, ms = 1500): Promise<string | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), ms);
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === 'error' && /permissions violation/i.test(String(s.error))) {
          clearTimeout(timer);
          resolve(String(s.error));
          return;
        }
      }
    })();
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'failsoft-nats-auth-'));
  credentials = generateCredentials();
  const port = await freePort();
  const config = join(dir, 'nats.conf');
  writeFileSync(config, `listen: "127.0.0.1:${port}"\n${authorizationConfig(credentials, { mediaBucket: 'media' })}`, {
    mode: 0o600,
  });
  server = spawn(process.env.NATS_SERVER_BIN ?? 'nats-server', ['-c', config], { stdio: 'ignore' });
  url = `nats://127.0.0.1:${port}`;
  const until = Date.now() + 10_000;
  for (;;) {
    try {
      await as('operator');
      break;
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
});

afterAll(async () => {
  await Promise.all(open.map((nc) => nc.close().catch(() => undefined)));
  server?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

describe('per-app NATS permissions', () => {
  it('refuses a connection without credentials', async () => {
    await expect(connect({ servers: url, reconnect: false })).rejects.toThrow(/authorization/i);
  });

  it("likes may serve its own subjects and ask posts, but not subscribe to posts' subjects", async () => {
    const posts = await as('posts');
    posts.subscribe('posts.get', {
      queue: 'posts',
      callback: (_e, m) => {
        m.respond('{"ok":true}');
      },
    });
    await posts.flush();
    const likes = await as('likes');
    likes.subscribe('likes.like', { queue: 'likes', callback: () => undefined });
    const reply = await likes.request('posts.get', '{}', { timeout: 1000 });
    expect(reply.json()).toEqual({ ok: true });

    const violation = nextViolation(likes);
    const stolen = likes.subscribe('posts.>');
    expect(await violation).toMatch(/Permissions Violation for Subscription to "posts\.>"/);
    await expect(stolen.closed).resolves.toBeInstanceOf(Error);
  });

  it('likes may not publish posts events; posts may', async () => {
    const likes = await as('likes');
    const violation = nextViolation(likes);
    likes.publish('events.posts.deleted', '{}');
    expect(await violation).toMatch(/Permissions Violation for Publish to "events\.posts\.deleted"/);

    const posts = await as('posts');
    const quiet = nextViolation(posts, 500);
    posts.publish('events.posts.deleted', '{}');
    expect(await quiet).toBeNull();
  });

  it('the edge may publish requests but not events, and may not read other inboxes', async () => {
    const edge = await as('edge');
    const quiet = nextViolation(edge, 500);
    edge.publish('likes.like', '{}');
    edge.publish('posts.get.SOMEREPLICAID', '{}');
    expect(await quiet).toBeNull();

    const publishViolation = nextViolation(edge);
    edge.publish('events.posts.deleted', '{}');
    expect(await publishViolation).toMatch(/Publish to "events\.posts\.deleted"/);

    const subscribeViolation = nextViolation(edge);
    edge.subscribe(`${inboxPrefixFor('likes')}.>`);
    expect(await subscribeViolation).toMatch(/Subscription to "_INBOX\.likes\.>"/);
  });

  it('no app may delete a stream', async () => {
    const media = await as('media');
    const violation = nextViolation(media);
    media.publish('$JS.API.STREAM.DELETE.EVENTS', '');
    expect(await violation).toMatch(/Publish to "\$JS\.API\.STREAM\.DELETE\.EVENTS"/);
  });
});
