// The steady load every drill runs under (docs/drills.md): signed-in readers of `GET /posts/:id` and
// `GET /posts?limit=20` (and, given home readers, `GET /timeline/home`), one writer of posts, one of
// likes and, given them, one of comments and one that follows and unfollows in turn. Each write carries its own
// `Idempotency-Key` and is retried by this client, with the same key, on a timeout or a 503 —
// what a careful frontend does. Every HTTP request is recorded (ok / failed / unknown = timed
// out) with its start, latency, status and whether the answer was degraded; every logical write
// with its key and final outcome, for the reconciliation afterwards (drill-reconcile.ts). Used by the chaos
// suites (e2e/chaos) and by `npm run chaos` (tools/chaos).
import { randomUUID } from 'node:crypto';
import { http } from './http.js';

export interface DrillAccount {
  token: string;
  user: { id: string; username: string; displayName: string };
}

export type Outcome = 'ok' | 'failed' | 'unknown';

export interface RequestRecord {
  kind: 'read' | 'write';
  route: string;
  startedAt: number;
  ms: number;
  /** 0 when no answer came (timed out, or the connection failed). */
  status: number;
  outcome: Outcome;
  degraded: boolean;
  /** `service` of a 503 problem body. */
  service?: string;
}

export interface WriteRecord {
  kind: 'post' | 'like' | 'comment' | 'follow' | 'unfollow';
  key: string;
  /** The liked or commented post (likes, comments) or the post created (posts, when acknowledged). */
  postId?: string;
  /** The liker (likes), the commenter (comments), the follower (follows). */
  userId?: string;
  /** The followee (follows and unfollows). */
  username?: string;
  outcome: Outcome;
  /** The status of each attempt (0 = no answer). */
  statuses: number[];
  /** When the first and the last attempt were sent (ms since the epoch). */
  firstAttemptAt?: number;
  lastAttemptAt?: number;
  /** `service` of the last attempt's 503 problem body. */
  service?: string;
}

export interface DrillRecords {
  startedAt: number;
  stoppedAt: number;
  requests: RequestRecord[];
  writes: WriteRecord[];
}

export interface DrillLoadOptions {
  url: string;
  /** Readers read signed in as this account (so `likedByMe` is asked for too). */
  reader: DrillAccount;
  /** Posts the readers fetch one by one. */
  readIds: string[];
  /** Writes the posts; its author listing is what the reconciliation counts. */
  poster: DrillAccount;
  /** Like `likeTargets`, each (liker, post) pair once at most. */
  likers: DrillAccount[];
  likeTargets: string[];
  /** Written into every post's text next to its key. */
  label: string;
  /** Every fourth read is one of these accounts' `GET /timeline/home?limit=20` (none: no home reads). */
  homeReaders?: DrillAccount[];
  /** Comments on one of `postIds` after another (none: no comment writes). */
  commenter?: { who: DrillAccount; postIds: string[] };
  /** Follows, then unfollows, then follows `followee` … (none: no follow writes). */
  follower?: { who: DrillAccount; followee: string };
  readers?: number;
  /** Pause of each reader between two requests (keeps the load steady, not saturating). */
  readPauseMs?: number;
  writePauseMs?: number;
  readTimeoutMs?: number;
  /** Longer than the edge's write deadline, so the edge answers before this client gives up. */
  writeTimeoutMs?: number;
  writeAttempts?: number;
  retryPauseMs?: number;
}

export const POST_KEY = /\bkey=(\S+)/;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface DrillLoad {
  /** `n` reads of single posts at once, recorded like the others: requests surely in flight. */
  burst: (n: number) => Promise<void>;
  stop: () => Promise<DrillRecords>;
}

export function startDrillLoad(o: DrillLoadOptions): DrillLoad {
  const requests: RequestRecord[] = [];
  const writes: WriteRecord[] = [];
  const startedAt = Date.now();
  let running = true;

  const send = async (
    kind: RequestRecord['kind'],
    route: string,
    method: string,
    path: string,
    opts: { token: string; body?: unknown; headers?: Record<string, string>; timeoutMs: number },
  ): Promise<RequestRecord & { body: any }> => {
    const started = Date.now();
    const t0 = performance.now();
    let rec: RequestRecord & { body: any };
    try {
      const r = await http(o.url, method, path, opts);
      const degraded = Array.isArray(r.body?.degraded) && r.body.degraded.length > 0;
      const ok = r.status >= 200 && r.status < 300;
      rec = {
        kind,
        route,
        startedAt: started,
        ms: r.ms,
        status: r.status,
        outcome: ok ? 'ok' : 'failed',
        degraded,
        body: r.body,
      };
      if (r.status === 503 && typeof r.body?.service === 'string') rec.service = r.body.service;
    } catch (err) {
      const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
      rec = {
        kind,
        route,
        startedAt: started,
        ms: performance.now() - t0,
        status: 0,
        outcome: timedOut ? 'unknown' : 'failed',
        degraded: false,
        body: null,
      };
    }
    const { body: _body, ...kept } = rec;
    requests.push(kept);
    return rec;
  };

  const read = (list: boolean) =>
    send(
      'read',
      list ? 'GET /posts' : 'GET /posts/:id',
      'GET',
      list ? '/posts?limit=20' : `/posts/${o.readIds[Math.floor(Math.random() * o.readIds.length)]}`,
      { token: o.reader.token, timeoutMs: o.readTimeoutMs ?? 3000 },
    );
  const homes = o.homeReaders ?? [];
  const readHome = () =>
    send('read', 'GET /timeline/home', 'GET', '/timeline/home?limit=20', {
      token: homes[Math.floor(Math.random() * homes.length)].token,
      timeoutMs: o.readTimeoutMs ?? 3000,
    });
  const reader = async (n: number) => {
    for (let i = n; running; i++) {
      await (homes.length > 0 && i % 4 === 3 ? readHome() : read(i % 3 === 2));
      await sleep(o.readPauseMs ?? 10);
    }
  };

  /** One logical write: the same key on every attempt; retried on a 503 or a timeout. */
  const write = async (
    w: WriteRecord,
    route: string,
    method: string,
    path: string,
    token: string,
    body?: unknown,
  ): Promise<any> => {
    const attempts = o.writeAttempts ?? 4;
    let last: (RequestRecord & { body: any }) | undefined;
    for (let a = 1; a <= attempts; a++) {
      const sentAt = Date.now();
      w.firstAttemptAt ??= sentAt;
      w.lastAttemptAt = sentAt;
      last = await send('write', route, method, path, {
        token,
        body,
        headers: { 'idempotency-key': w.key },
        timeoutMs: o.writeTimeoutMs ?? 3500,
      });
      w.statuses.push(last.status);
      const retryable = last.status === 503 || last.outcome === 'unknown';
      if (!retryable || a === attempts) break;
      await sleep(o.retryPauseMs ?? 200);
    }
    w.outcome = last!.outcome;
    if (last!.service) w.service = last!.service;
    writes.push(w);
    return last!.body;
  };

  const poster = async () => {
    for (let i = 0; running; i++) {
      const w: WriteRecord = { kind: 'post', key: randomUUID(), outcome: 'unknown', statuses: [] };
      const body = await write(w, 'POST /posts', 'POST', '/posts', o.poster.token, {
        text: `${o.label} #${i} key=${w.key}`,
      });
      if (w.outcome === 'ok') w.postId = body.id;
      await sleep(o.writePauseMs ?? 25);
    }
  };

  // Every (liker, post) pair at most once, in a random order, so a like's effect is countable.
  const pairs = o.likers.flatMap((liker) => o.likeTargets.map((postId) => ({ liker, postId })));
  for (let i = pairs.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [pairs[i], pairs[j]] = [pairs[j], pairs[i]];
  }
  const liker = async () => {
    while (running && pairs.length > 0) {
      const { liker: who, postId } = pairs.pop()!;
      const w: WriteRecord = {
        kind: 'like',
        key: randomUUID(),
        postId,
        userId: who.user.id,
        outcome: 'unknown',
        statuses: [],
      };
      await write(w, 'PUT /posts/:id/like', 'PUT', `/posts/${postId}/like`, who.token);
      await sleep(o.writePauseMs ?? 25);
    }
  };

  const commenter = async (c: NonNullable<DrillLoadOptions['commenter']>) => {
    for (let i = 0; running; i++) {
      const postId = c.postIds[i % c.postIds.length];
      const w: WriteRecord = {
        kind: 'comment',
        key: randomUUID(),
        postId,
        userId: c.who.user.id,
        outcome: 'unknown',
        statuses: [],
      };
      const path = `/posts/${postId}/comments`;
      await write(w, 'POST /posts/:id/comments', 'POST', path, c.who.token, { text: `${o.label} key=${w.key}` });
      await sleep(Math.max(200, o.writePauseMs ?? 25));
    }
  };

  const follower = async (f: NonNullable<DrillLoadOptions['follower']>) => {
    for (let follow = true; running; follow = !follow) {
      const w: WriteRecord = {
        kind: follow ? 'follow' : 'unfollow',
        key: randomUUID(),
        userId: f.who.user.id,
        username: f.followee,
        outcome: 'unknown',
        statuses: [],
      };
      const method = follow ? 'PUT' : 'DELETE';
      await write(w, `${method} /users/:username/follow`, method, `/users/${f.followee}/follow`, f.who.token);
      await sleep(Math.max(500, o.writePauseMs ?? 25));
    }
  };

  const workers = [
    ...Array.from({ length: o.readers ?? 4 }, (_, n) => reader(n)),
    poster(),
    liker(),
    ...(o.commenter ? [commenter(o.commenter)] : []),
    ...(o.follower ? [follower(o.follower)] : []),
  ];
  return {
    burst: async (n) => {
      await Promise.all(Array.from({ length: n }, () => read(false)));
    },
    stop: async () => {
      // The load's end is when it was told to stop: a worker's last request (or the follower's
      // pause) finishing after that is not a second of load without reads.
      const stoppedAt = Date.now();
      running = false;
      await Promise.all(workers);
      return { startedAt, stoppedAt, requests, writes };
    },
  };
}
