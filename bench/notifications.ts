// Notifications: what a like costs once it also feeds notifications, and how soon it is told.
// - Lag: likes at a constant 200/s (libs/loadgen's open loop) on the posts of 20 recipients, each
//   holding an open GET /events stream; a like's lag is from its request being sent (before its
//   commit, so the figure errs long by the write's own time) to the first `event: notification`
//   on its post's recipient's stream that lists the liker among the latest likers.
// - Pile-on: PILEON_USERS users each post a mention of one user within PILEON_SECONDS, while likes
//   go on at 40/s to the other recipients: the mentioned user's unread count must equal the
//   mentions created, and the others' lag stay within target.
// - Cost: PUT /posts/:id/like (first likes of distinct pairs) and GET /posts?limit=20, closed
//   loop, as ratios to the bare HTTP floor, with the notifications replica stopped (SIGTERM to its
//   pid: likes publish their events, nobody consumes them) and running, in turn, in the same run.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { runOpenLoop, seededRandom, type OpenLoopResult, type RequestKind } from '#loadgen';
import { expectEventually, http, scaleToZero, startTestMesh, type TestMesh } from '#testing';
import { httpLoad } from './http-load.js';
import { inParallel, must, signUp } from './in-parallel.js';
import { round, round3 } from './measure.js';

type Figures = Awaited<ReturnType<typeof httpLoad>>;

type Emit = (line: Record<string, unknown>) => void;
type Account = { token: string; user: { id: string; username: string } };

const RECIPIENTS = 20;
const LIKERS = 60;
const LAG_RATE = 200;
const PILEON_LIKE_RATE = 40;
const TARGET_P99_MS = 1000;
const PILEON_USERS = Number(process.env.BENCH_NOTIFY_PILEON_USERS ?? 1000);
const PILEON_SECONDS = Number(process.env.BENCH_NOTIFY_PILEON_SECONDS ?? 60);
/** Sign-ups at once: each is a 32 MiB scrypt hash, and a timed-out one still hashes (and retries). */
const SIGNUPS_AT_ONCE = 2;

/** Each `event: notification` on one user's open GET /events stream, with when it arrived. */
function openStream(url: string, token: string, onEvent: (data: any, at: number) => void): Promise<() => void> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}/events`, {
      headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` },
      agent: false,
    });
    req.on('error', reject);
    req.on('response', (res: IncomingMessage) => {
      if (res.statusCode !== 200) return reject(new Error(`GET /events answered ${res.statusCode}`));
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const at = performance.now();
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event === 'notification' && data) onEvent(JSON.parse(data), at);
        }
      });
      resolve(() => req.destroy());
    });
    req.end();
  });
}

/** Likes sent and the pushes that told them: lag per like, from its send to its recipient's push. */
class LikeLag {
  private readonly sent = new Map<string, number>();
  private readonly lags: number[] = [];

  sentNow(postId: string, likerId: string): void {
    this.sent.set(`${postId} ${likerId}`, performance.now());
  }

  told(n: { type: string; post?: { id: string }; actors?: Array<{ id: string }> }, at: number): void {
    if (n.type !== 'like' || !n.post) return;
    for (const a of n.actors ?? []) {
      const key = `${n.post.id} ${a.id}`;
      const sentAt = this.sent.get(key);
      if (sentAt === undefined) continue;
      this.sent.delete(key);
      this.lags.push(at - sentAt);
    }
  }

  figures() {
    const lags = [...this.lags].sort((a, b) => a - b);
    const at = (q: number) => (lags.length ? round(lags[Math.min(lags.length - 1, Math.floor(lags.length * q))]) : 0);
    return { told: lags.length, notSeen: this.sent.size, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: at(1) };
  }
}

/** Each liker likes each of `posts` once, in a shuffled order, as an open-loop kind. */
function likeKind(likers: Account[], posts: string[], lag: LikeLag): RequestKind & { pairs: number } {
  const pairs = likers.flatMap((l) => posts.map((postId) => ({ l, postId })));
  const random = seededRandom(posts.length);
  for (let i = pairs.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [pairs[i], pairs[j]] = [pairs[j], pairs[i]];
  }
  let next = 0;
  return {
    name: 'like',
    weight: 1,
    pairs: pairs.length,
    request: () => {
      const { l, postId } = pairs[next++ % pairs.length];
      lag.sentNow(postId, l.user.id);
      return { method: 'PUT', path: `/posts/${postId}/like`, headers: { authorization: `Bearer ${l.token}` } };
    },
  };
}

/** Every durable of notifications with nothing pending or in flight (GET /mesh on the admin listener). */
async function caughtUp(mesh: TestMesh): Promise<void> {
  await expectEventually(
    async () => {
      const body = (await (await fetch(`${mesh.adminUrl}/mesh`)).json()) as {
        consumers: Array<{ service: string; pending: number; inFlight: number }>;
      };
      const mine = body.consumers.filter((c) => c.service === 'notifications');
      if (mine.length === 0 || mine.some((c) => c.pending + c.inFlight > 0))
        throw new Error(`notifications not caught up: ${JSON.stringify(mine)}`);
    },
    { timeoutMs: 120_000, intervalMs: 250 },
  );
}

const writeFigures = (r: OpenLoopResult) => ({
  achievedPerSec: r.achievedRatePerSec,
  p50Ms: r.kinds.like?.p50Ms ?? r.total.p50Ms,
  p99Ms: r.kinds.like?.p99Ms ?? r.total.p99Ms,
  errors: r.total.errors,
  sendLagP99Ms: r.sendLagP99Ms,
});

export async function notificationsBench(o: {
  seconds: number;
  connections: number;
  bareHttpReqPerSec: number;
  emit: Emit;
}): Promise<void> {
  const mesh = await startTestMesh({
    replicas: { identity: 1, posts: 1, likes: 1, comments: 1, notifications: 1 },
    env: { LOG_LEVEL: 'warn', ACCESS_LOG: 'false' },
    joinTimeoutMs: 120_000,
  });
  const closers: Array<() => void> = [];
  try {
    const url = mesh.edgeUrl;
    const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}_${i}`);
    const recipients: Account[] = await inParallel(names('ntf_recipient', RECIPIENTS), SIGNUPS_AT_ONCE, (u) =>
      signUp(url, u),
    );
    const likers: Account[] = await inParallel(names('ntf_liker', LIKERS), SIGNUPS_AT_ONCE, (u) => signUp(url, u));
    const writePosts = async (who: Account[], n: number, label: string) =>
      (
        await inParallel(
          who.flatMap((a) => Array.from({ length: n }, (_, i) => ({ a, i }))),
          8,
          ({ a, i }) => must(url, 'POST', '/posts', { token: a.token, body: { text: `${label} ${i}` }, expect: 201 }),
        )
      ).map((r) => r.body.id as string);
    const lagPosts = await writePosts(recipients, 2, 'lag');
    const pileonPosts = await writePosts(recipients, 2, 'pile-on background');
    const costAuthor = await signUp(url, 'ntf_cost_author');
    const costPosts = await writePosts([costAuthor], 200, 'cost');

    // Every recipient's stream open before anything is measured.
    const lag = new LikeLag();
    for (const r of recipients) closers.push(await openStream(url, r.token, (n, at) => lag.told(n, at)));

    // Lag at 200 likes/s.
    const kind = likeKind(likers, lagPosts, lag);
    const lagSeconds = Math.min(o.seconds, Math.floor(kind.pairs / LAG_RATE));
    const lagRun = await runOpenLoop({ baseUrl: url, ratePerSec: LAG_RATE, seconds: lagSeconds, kinds: [kind] });
    await caughtUp(mesh);
    await new Promise((r) => setTimeout(r, 500));
    const failedLikes = (r: OpenLoopResult) => Object.values(r.kinds.like?.errors ?? {}).reduce((a, b) => a + b, 0);
    // A like that was refused (503) is told nowhere: what matters is the answered ones not told.
    const lagged = { ...lag.figures(), refused: failedLikes(lagRun) };
    o.emit({
      bench: `notification lag at ${LAG_RATE} likes/s (open loop, ${RECIPIENTS} recipients with an open GET /events; from the like's send to its recipient's event: notification)`,
      seconds: lagSeconds,
      likes: writeFigures(lagRun),
      lag: lagged,
      target: { p99Ms: TARGET_P99_MS },
      meetsTarget: lagged.notSeen === lagged.refused && lagged.p99Ms <= TARGET_P99_MS,
    });

    // The pile-on: PILEON_USERS mention one user within PILEON_SECONDS; likes go on meanwhile.
    const target = await signUp(url, 'ntf_pileon_target');
    let mentionsPushed = 0;
    closers.push(await openStream(url, target.token, (n) => void (n.type === 'mention' && mentionsPushed++)));
    const piling: Account[] = await inParallel(names('ntf_piler', PILEON_USERS), SIGNUPS_AT_ONCE, (u) =>
      signUp(url, u),
    );
    const bgLag = new LikeLag();
    for (const r of recipients) closers.push(await openStream(url, r.token, (n, at) => bgLag.told(n, at)));
    let created = 0;
    let nextPiler = 0;
    const mention: RequestKind = {
      name: 'mention',
      weight: 1,
      request: () => ({
        method: 'POST',
        path: '/posts',
        headers: { authorization: `Bearer ${piling[nextPiler++ % piling.length].token}` },
        body: { text: `pile on @${target.user.username} #${nextPiler}` },
      }),
      onAnswer: (status) => void (status === 201 && created++),
    };
    const bgKind = likeKind(likers, pileonPosts, bgLag);
    const [pileRun, bgRun] = await Promise.all([
      runOpenLoop({
        baseUrl: url,
        ratePerSec: PILEON_USERS / PILEON_SECONDS,
        seconds: PILEON_SECONDS,
        kinds: [mention],
      }),
      runOpenLoop({
        baseUrl: url,
        ratePerSec: PILEON_LIKE_RATE,
        seconds: Math.min(PILEON_SECONDS, Math.floor(bgKind.pairs / PILEON_LIKE_RATE)),
        kinds: [bgKind],
        seed: 2,
      }),
    ]);
    await caughtUp(mesh);
    await new Promise((r) => setTimeout(r, 500));
    const unread = (await http(url, 'GET', '/notifications/unread-count', { token: target.token })).body.unread;
    const others = { ...bgLag.figures(), refused: failedLikes(bgRun) };
    o.emit({
      bench: `pile-on: ${PILEON_USERS} users mention one user within ${PILEON_SECONDS} s, likes at ${PILEON_LIKE_RATE}/s to ${RECIPIENTS} others meanwhile`,
      mentionPosts: { sent: pileRun.total.offered, created, p50Ms: pileRun.total.p50Ms, p99Ms: pileRun.total.p99Ms },
      mentionedUnread: unread,
      mentionsPushedLive: mentionsPushed,
      othersLikes: writeFigures(bgRun),
      othersLag: others,
      target: { mentionedUnread: created, othersP99Ms: TARGET_P99_MS },
      meetsTarget: unread === created && others.notSeen === others.refused && others.p99Ms <= TARGET_P99_MS,
    });
    for (const close of closers.splice(0)) close();

    // The cost: each leg's likes are first likes of distinct pairs (half the posts each).
    const asLiker = (posts: string[]) =>
      likers.flatMap((l) =>
        posts.map((id) => ({ path: `/posts/${id}/like`, headers: { authorization: `Bearer ${l.token}` } })),
      );
    const pages = likers
      .slice(0, 8)
      .map((l) => ({ path: '/posts?limit=20', headers: { authorization: `Bearer ${l.token}` } }));
    type Leg = { like: Figures; read: Figures; pairs: number };
    const leg = async (posts: string[]): Promise<Leg> => {
      const targets = asLiker(posts);
      const like = await httpLoad({ url, targets, method: 'PUT', connections: o.connections, seconds: o.seconds });
      const read = await httpLoad({ url, targets: pages, connections: o.connections, seconds: o.seconds });
      return { like, read, pairs: targets.length };
    };
    await httpLoad({ url, targets: pages, connections: o.connections, seconds: 2 }); // warm-up
    // In turn (stopped, running, stopped, running): the machine's load moves, each pair sees the same.
    const quarter = costPosts.length / 4;
    const legs = { stopped: [] as Leg[], running: [] as Leg[] };
    for (const [i, state] of (['stopped', 'running', 'stopped', 'running'] as const).entries()) {
      if (state === 'stopped') await scaleToZero(mesh, 'notifications');
      else {
        await mesh.addReplica('notifications');
        await caughtUp(mesh); // what piled up while it was stopped is not this leg's load
      }
      legs[state].push(await leg(costPosts.slice(i * quarter, (i + 1) * quarter)));
    }
    const floor = o.bareHttpReqPerSec;
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const summary = (runs: Figures[]) => ({
      reqPerSec: round(mean(runs.map((r) => r.reqPerSec))),
      runs: runs.map((r) => r.reqPerSec),
      p50Ms: round(mean(runs.map((r) => r.p50Ms))),
      p99Ms: round(mean(runs.map((r) => r.p99Ms))),
      non2xx: runs.reduce((n, r) => n + r.non2xx + r.errors, 0),
      ratioToBareHttp: round3(mean(runs.map((r) => r.reqPerSec)) / floor),
    });
    for (const [what, pick] of [
      ['PUT /posts/:id/like (first likes of distinct user×post pairs)', (l: Leg) => l.like],
      ['GET /posts?limit=20 (stitched: posts + likes + comments)', (l: Leg) => l.read],
    ] as const) {
      const [before, after] = [summary(legs.stopped.map(pick)), summary(legs.running.map(pick))];
      o.emit({
        bench: `${what}, notifications stopped vs running (its consumers fed by every like), ${o.connections} connections`,
        stopped: before,
        running: after,
        // Past its pairs a leg's likes would be repeats (idempotent, no event): say whether it got there.
        ...(what.startsWith('PUT')
          ? {
              pairsPerLeg: legs.stopped[0].pairs,
              wrapped: Math.max(before.reqPerSec, after.reqPerSec) * o.seconds > legs.stopped[0].pairs,
            }
          : {}),
        runningToStopped: round3(after.reqPerSec / before.reqPerSec),
        target: { runningToStopped: 0.9 },
        meetsTarget: after.non2xx === 0 && after.reqPerSec / before.reqPerSec >= 0.9,
      });
    }
  } finally {
    for (const close of closers) close();
    await mesh.stop();
  }
}
