// ReplicaRouter without NATS: a fake directory and a fake send that records each target and
// leaves the test to answer or fail it; the clock is the test's.
import { describe, expect, it } from 'vitest';
import { ErrorCodes, MeshError, type ErrorCode } from '#contracts';
import { ReplicaRouter, type ReplicaLookup } from './replica-router.js';

const meshError = (code: ErrorCode) => new MeshError(code, code, undefined, 'posts');

/** Lets pending promise callbacks run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

function router(o: { alive?: string[]; stale?: boolean; directory?: boolean } = {}) {
  let t = 1_000_000;
  let alive = o.alive ?? [];
  const forgotten: string[] = [];
  const directory: ReplicaLookup = {
    alive: (_service, max) => alive.slice(0, max),
    hasStale: () => o.stale ?? false,
    forget: (_service, id) => {
      forgotten.push(id);
      alive = alive.filter((a) => a !== id);
    },
  };
  const sent: string[] = [];
  const pending = new Map<string, { resolve: (v: string) => void; reject: (e: unknown) => void }>();
  const send = (target: string) =>
    new Promise<string>((resolve, reject) => {
      sent.push(target);
      pending.set(target, { resolve, reject });
    });
  const reply = (target: string) => {
    const p = pending.get(target);
    if (!p) throw new Error(`nothing sent to ${target}`);
    return p;
  };
  const r = new ReplicaRouter(o.directory === false ? undefined : directory, () => t);
  return {
    router: r,
    sent,
    forgotten,
    advance: (ms: number) => (t += ms),
    answer: (target: string, value = target) => reply(target).resolve(value),
    fail: (target: string, code: ErrorCode) => reply(target).reject(meshError(code)),
    firstTry: () => r.firstTry('posts', 'posts.get', send),
    retry: () => r.retry('posts', 'posts.get', send),
  };
}

/** Where the next first try goes, answered there. */
async function firstTryTarget(h: ReturnType<typeof router>): Promise<string> {
  const done = h.firstTry();
  const target = h.sent[h.sent.length - 1];
  h.answer(target);
  await done;
  return target;
}

describe('ReplicaRouter: first tries', () => {
  it('go to the queue group while the service is not suspect', async () => {
    const h = router({ alive: ['b', 'c'] });
    expect([await firstTryTarget(h), await firstTryTarget(h)]).toEqual(['posts.get', 'posts.get']);
  });

  it('after a suspect(), go to the live replicas in turn for 10 s, then to the queue group again', async () => {
    const h = router({ alive: ['b', 'c'] });
    h.router.suspect('posts');
    const targets = [await firstTryTarget(h), await firstTryTarget(h)];
    h.advance(10_000);
    targets.push(await firstTryTarget(h)); // still suspect at exactly 10 s
    h.advance(1);
    targets.push(await firstTryTarget(h));
    expect(targets).toEqual(['posts.get.b', 'posts.get.c', 'posts.get.b', 'posts.get']);
  });

  it('suspicion is per service', async () => {
    const h = router({ alive: ['b'] });
    h.router.suspect('comments');
    expect(await firstTryTarget(h)).toBe('posts.get');
  });

  it('go to the live replicas while a replica is stale (silent, perhaps still in the queue group)', async () => {
    const h = router({ alive: ['b'], stale: true });
    expect(await firstTryTarget(h)).toBe('posts.get.b');
  });

  it('go to the queue group when suspect but no replica was heard from lately, or without a directory', async () => {
    const noneAlive = router({ alive: [] });
    noneAlive.router.suspect('posts');
    const noDirectory = router({ directory: false });
    noDirectory.router.suspect('posts');
    expect([await firstTryTarget(noneAlive), await firstTryTarget(noDirectory)]).toEqual(['posts.get', 'posts.get']);
  });

  it('a replica with no responders is forgotten and the queue group asked instead', async () => {
    const h = router({ alive: ['b', 'c'], stale: true });
    const done = h.firstTry();
    h.fail('posts.get.b', ErrorCodes.noResponders);
    await settle();
    h.answer('posts.get', 'from the group');
    expect(await done).toBe('from the group');
    expect(h.sent).toEqual(['posts.get.b', 'posts.get']);
    expect(h.forgotten).toEqual(['b']);
  });

  it("a direct try's timeout or domain error is its outcome: no second send", async () => {
    const h = router({ alive: ['b'], stale: true });
    const timedOut = h.firstTry().catch((e: MeshError) => e.code);
    h.fail('posts.get.b', ErrorCodes.timeout);
    expect(await timedOut).toBe('timeout');
    const refused = h.firstTry().catch((e: MeshError) => e.code);
    h.fail('posts.get.b', ErrorCodes.notFound);
    expect(await refused).toBe('not_found');
    expect(h.sent).toEqual(['posts.get.b', 'posts.get.b']);
    expect(h.forgotten).toEqual([]);
  });
});

describe('ReplicaRouter: retries', () => {
  it('ask at most three live replicas at once, each on its own subject; the first answer wins', async () => {
    const h = router({ alive: ['b', 'c', 'd', 'e'] });
    const done = h.retry();
    expect(h.sent).toEqual(['posts.get.b', 'posts.get.c', 'posts.get.d']);
    h.answer('posts.get.c');
    h.answer('posts.get.b');
    expect(await done).toBe('posts.get.c');
  });

  it('ask the queue group again without a directory, or with no replica heard from lately', async () => {
    for (const h of [router({ directory: false }), router({ alive: [] })]) {
      const done = h.retry();
      h.answer('posts.get');
      expect(await done).toBe('posts.get');
      expect(h.sent).toEqual(['posts.get']);
    }
  });

  it('a transport failure leaves the others to answer; a replica with no responders is forgotten', async () => {
    const h = router({ alive: ['b', 'c', 'd'] });
    const done = h.retry();
    h.fail('posts.get.b', ErrorCodes.noResponders);
    h.fail('posts.get.c', ErrorCodes.timeout);
    await settle();
    h.answer('posts.get.d');
    expect(await done).toBe('posts.get.d');
    expect(h.forgotten).toEqual(['b']);
  });

  it('a domain error from one replica is the answer, though the others are still out', async () => {
    const h = router({ alive: ['b', 'c'] });
    const done = h.retry();
    h.fail('posts.get.c', ErrorCodes.notFound);
    await expect(done).rejects.toMatchObject({ code: 'not_found' });
  });

  it('every replica failing rejects with a timeout among their failures, else the first failure', async () => {
    const h = router({ alive: ['b', 'c', 'd'] });
    const done = h.retry();
    h.fail('posts.get.b', ErrorCodes.noResponders);
    h.fail('posts.get.c', ErrorCodes.timeout);
    h.fail('posts.get.d', ErrorCodes.unavailable);
    await expect(done).rejects.toMatchObject({ code: 'timeout' });
    const noTimeout = router({ alive: ['b', 'c'] });
    const failed = noTimeout.retry();
    noTimeout.fail('posts.get.b', ErrorCodes.unavailable);
    noTimeout.fail('posts.get.c', ErrorCodes.noResponders);
    await expect(failed).rejects.toMatchObject({ code: 'unavailable' });
  });
});
