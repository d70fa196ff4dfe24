// MeshClient's hedged requests over a fake NATS connection and fake timers: which subjects each
// try went to, with which headers, at what time, what onOutcome heard and what the caller got.
// The state machine's every path is in hedged-request.spec.ts; this checks MeshClient wires it
// to the wire (the first try's doubled wait, the directory, the budget, the headers).
import type { Msg, MsgHdrs, NatsConnection, PublishOptions } from '@nats-io/transport-node';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MeshHeaders, type MeshError } from '#contracts';
import { MeshClient, type MeshClientOptions, type RequestOptions } from './mesh-client.js';
import type { NotServing } from './not-serving.js';
import type { ReplicaDirectory } from './replica-directory.js';

interface Sent {
  subject: string;
  reply: string;
  headers: MsgHdrs;
}

/**
 * A NATS connection that records each publish and lets the test answer it. Requests leave from
 * PublishBatch's setImmediate, which fake timers run 1 ms after the timer that queued it: a try
 * sent by a timer at 200 is published at 201.
 */
function fakeNats(log: (line: string) => void) {
  let deliver: (msg: Msg) => void = () => undefined;
  const sent: Sent[] = [];
  const nc = {
    subscribe(_subject: string, opts: { callback: (err: Error | null, msg: Msg) => void }) {
      deliver = (msg) => opts.callback(null, msg);
      return { unsubscribe: () => undefined };
    },
    publish(subject: string, _payload: string, opts: PublishOptions) {
      sent.push({ subject, reply: opts.reply!, headers: opts.headers! });
      log(`→ ${subject}`);
    },
  };
  /** The nth request published on `subject` (1 the first), by default the latest. */
  const request = (subject: string, nth?: number): Sent => {
    const on = sent.filter((s) => s.subject === subject);
    const found = on[(nth ?? on.length) - 1];
    if (!found) throw new Error(`nothing sent on ${subject}`);
    return found;
  };
  const replyTo = (s: Sent, body: string, headers?: { code: number }) =>
    deliver({ subject: s.reply, data: new TextEncoder().encode(body), headers, json: () => JSON.parse(body) } as Msg);
  return {
    nc: nc as unknown as NatsConnection,
    request,
    last: (): string => sent[sent.length - 1].subject,
    answer: (subject: string, response: unknown, nth?: number) =>
      replyTo(request(subject, nth), JSON.stringify({ response })),
    refuse: (subject: string, code: string) =>
      replyTo(request(subject), JSON.stringify({ err: { code, message: code } })),
    noResponders: (subject: string) => replyTo(request(subject), '', { code: 503 }),
  };
}

/**
 * The replicas of posts heard from lately; `gone` is what the vanished-replica check says, and
 * `waiting` the reason a replica in the mesh gave for not serving.
 */
function fakeDirectory(
  alive: string[],
  log: (line: string) => void,
  gone = false,
  waiting?: NotServing,
): ReplicaDirectory {
  const directory = {
    notServing: () => waiting,
    alive: (_service: string, max: number) => alive.slice(0, max),
    hasStale: () => false,
    forget: (_service: string, id: string) => log(`forget ${id}`),
    vanished: (service: string) => {
      log(`vanished? ${service}`);
      return Promise.resolve(gone);
    },
  };
  return directory as unknown as ReplicaDirectory;
}

interface Setup {
  /** Replicas the directory offers; without, MeshClient has no directory. */
  alive?: string[];
  gone?: boolean;
  waiting?: NotServing;
  options?: Partial<MeshClientOptions>;
}

function setup(o: Setup = {}) {
  const lines: string[] = [];
  const log = (line: string) => lines.push(`${Date.now()} ${line}`);
  const nats = fakeNats(log);
  const client = new MeshClient(nats.nc, {
    defaultTimeoutMs: 200,
    replicas: o.alive && fakeDirectory(o.alive, log, o.gone, o.waiting),
    onRetry: (s) => log(`retry ${s}`),
    onRetryRefused: (s) => log(`refused ${s}`),
    onOutcome: (s, outcome) => log(`outcome ${s} ${outcome}`),
    ...o.options,
  });
  const ask = (opts: RequestOptions = {}) => {
    const reply = client.request('posts.get', { id: 'p1' }, { retryOnTimeout: true, ...opts });
    void reply.then(
      (value) => log(`answered ${JSON.stringify(value)}`),
      (err: MeshError) => log(`failed ${err.code}`),
    );
    return reply;
  };
  return { nats, lines, ask };
}

/** Lets fake time pass, running the timers and promise callbacks due meanwhile. */
const wait = (ms: number) => vi.advanceTimersByTimeAsync(ms);

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('MeshClient: hedged requests on the wire', () => {
  it('an answer to the first try settles it: nothing else is sent, the check never runs', async () => {
    const { nats, lines, ask } = setup({ alive: ['b', 'c'] });
    void ask();
    await wait(30);
    nats.answer('posts.get', { id: 'p1' });
    await wait(1000);
    expect(lines).toEqual(['0 → posts.get', '30 outcome posts.get ok', '30 answered {"id":"p1"}']);
  });

  it('at the deadline asks the live replicas on their own subjects; the first answer wins', async () => {
    const { nats, lines, ask } = setup({ alive: ['b', 'c'] });
    void ask();
    await wait(230);
    nats.answer('posts.get.c', { id: 'from c' });
    await wait(10);
    nats.answer('posts.get.b', { id: 'from b' });
    await wait(1000);
    expect(lines).toEqual([
      '0 → posts.get',
      '100 vanished? posts',
      '200 retry posts.get',
      '201 → posts.get.b',
      '201 → posts.get.c',
      '230 outcome posts.get ok',
      '230 answered {"id":"from c"}',
      '240 outcome posts.get ok',
      // The first try is still waited on after the retry won: onOutcome counts every NATS request.
      '400 outcome posts.get timeout',
    ]);
  });

  it('waits twice the deadline on the first try, one deadline on the retry (the deadline headers)', async () => {
    const { nats, ask } = setup({ alive: ['b'] });
    void ask({ timeoutMs: 300 });
    await wait(301);
    expect(nats.request('posts.get').headers.get(MeshHeaders.deadline)).toBe('600');
    expect(nats.request('posts.get.b').headers.get(MeshHeaders.deadline)).toBe('600');
  });

  it('without a directory, asks the queue group again at the deadline', async () => {
    const { nats, lines, ask } = setup();
    void ask();
    await wait(250);
    nats.answer('posts.get', { id: 'second' }, 2);
    await wait(0);
    expect(lines).toEqual([
      '0 → posts.get',
      '200 retry posts.get',
      '201 → posts.get',
      '250 outcome posts.get ok',
      '250 answered {"id":"second"}',
    ]);
  });

  it('carries the same idempotency key and request id on the first try and every retry', async () => {
    const { nats, ask } = setup({ alive: ['b', 'c'] });
    void ask({ idempotencyKey: 'key-1', requestId: 'rid-1' });
    await wait(201);
    for (const subject of ['posts.get', 'posts.get.b', 'posts.get.c']) {
      expect(nats.request(subject).headers.get(MeshHeaders.idempotencyKey)).toBe('key-1');
      expect(nats.request(subject).headers.get(MeshHeaders.requestId)).toBe('rid-1');
    }
  });

  it('no responders fails at once, without waiting for the check or the deadline', async () => {
    const { nats, lines, ask } = setup({ alive: ['b'] });
    void ask();
    await wait(1);
    nats.noResponders('posts.get');
    await wait(1000);
    expect(lines).toEqual(['0 → posts.get', '1 outcome posts.get no-responders', '1 failed no_responders']);
  });

  it('no responders while a replica waits for its database: unavailable, naming the database', async () => {
    const { nats, lines, ask } = setup({
      alive: ['b'],
      waiting: { waitingFor: 'database', state: 'database 127.0.0.1:5999/x unreachable: ECONNREFUSED' },
    });
    const failed = ask();
    await wait(1);
    nats.noResponders('posts.get');
    await expect(failed).rejects.toMatchObject({ code: 'unavailable', message: 'posts cannot reach its database' });
    expect(lines).toEqual(['0 → posts.get', '1 outcome posts.get no-responders', '1 failed unavailable']);
  });

  it('a domain error settles at once and is never retried', async () => {
    const { nats, lines, ask } = setup({ alive: ['b'] });
    void ask();
    await wait(50);
    nats.refuse('posts.get', 'not_found');
    await wait(1000);
    expect(lines).toEqual(['0 → posts.get', '50 outcome posts.get error', '50 failed not_found']);
  });

  it('a vanished replica has the live ones asked at the check, not at the deadline', async () => {
    const { nats, lines, ask } = setup({ alive: ['b'], gone: true });
    void ask();
    await wait(120);
    nats.answer('posts.get.b', { id: 'from b' });
    await wait(0);
    expect(lines).toEqual([
      '0 → posts.get',
      '100 vanished? posts',
      '100 retry posts.get',
      '101 → posts.get.b',
      '120 outcome posts.get ok',
      '120 answered {"id":"from b"}',
    ]);
  });

  it('with the retry budget spent, sends no retry and surfaces the timeout', async () => {
    const { lines, ask } = setup({ alive: ['b'], options: { retryBudget: { ratio: 0, minPerSecond: 0, cap: 0 } } });
    void ask();
    await wait(1000);
    expect(lines).toEqual([
      '0 → posts.get',
      '100 vanished? posts',
      '200 refused posts.get',
      // The first try's own timeout asks the budget once more before giving up.
      '400 outcome posts.get timeout',
      '400 refused posts.get',
      '400 failed timeout',
    ]);
  });

  it('after a retry, first tries go to the live replicas in turn for SUSPECT_MS, then to the queue group', async () => {
    const { nats, ask } = setup({ alive: ['b', 'c'] });
    void ask();
    await wait(210);
    nats.answer('posts.get.b', { id: 'retry' });
    const firstTries: string[] = [];
    // The retry went out at 200: the service is suspect until 10 200.
    for (const at of [1000, 2000, 10_200, 10_201]) {
      await wait(at - Date.now());
      void ask();
      await wait(0);
      firstTries.push(`${at} ${nats.last()}`);
      nats.answer(nats.last(), { id: 'p1' });
    }
    expect(firstTries).toEqual(['1000 posts.get.b', '2000 posts.get.c', '10200 posts.get.b', '10201 posts.get']);
  });

  it('asks at most three live replicas at once', async () => {
    const { lines, ask } = setup({ alive: ['b', 'c', 'd', 'e', 'f'] });
    void ask();
    await wait(201);
    expect(lines.filter((l) => l.includes('→'))).toEqual([
      '0 → posts.get',
      '201 → posts.get.b',
      '201 → posts.get.c',
      '201 → posts.get.d',
    ]);
  });
});

describe('MeshClient: early hedges of reads at their p95', () => {
  it("hedges a read unanswered past its subject's recent p95 to one replica, within its bucket, not before the p95 is known", async () => {
    const { nats, lines, ask } = setup({
      alive: ['b', 'c'],
      options: { hedging: { ratio: 0.05, cap: 10 }, onHedge: (s) => lines.push(`${Date.now()} hedge ${s}`) },
    });
    // No p95 yet: a slow read waits for the deadline's retry.
    void ask({ hedge: true });
    await wait(100);
    expect(lines.filter((l) => l.includes('hedge'))).toEqual([]);
    nats.answer('posts.get', { id: 'p1' });
    // 64 quick replies make the p95 known (the bucket earns 0.05 a read).
    for (let i = 0; i < 64; i++) {
      void ask({ hedge: true });
      await wait(5);
      nats.answer('posts.get', { id: 'p1' });
    }
    await wait(1000);
    lines.length = 0;
    const started = Date.now();
    void ask({ hedge: true });
    await wait(50);
    // Hedged to one replica by its own subject, long before the 200 ms deadline.
    expect(lines.filter((l) => l.includes('→'))).toEqual([
      `${started} → posts.get`,
      expect.stringMatching(/→ posts\.get\.b$/),
    ]);
    expect(lines.filter((l) => l.includes('hedge posts.get'))).toHaveLength(1);
    nats.answer('posts.get.b', { id: 'from b' });
    await wait(10);
    expect(lines[lines.length - 1]).toMatch(/answered \{"id":"from b"\}$/);
    // The bucket: 72 reads in all earned 3.6, so 3 hedges; then slow reads wait for the deadline again.
    let hedged = 1;
    for (let i = 0; i < 6; i++) {
      lines.length = 0;
      void ask({ hedge: true });
      await wait(50);
      if (lines.some((l) => l.includes('hedge posts.get'))) hedged++;
      nats.answer('posts.get', { id: 'p1' });
      await wait(10);
    }
    expect(hedged).toBe(3);
  });
});
