// The events figures of `npm run bench`: how many events per second go through posts' outbox,
// JetStream and comments' consumer, and the lag from a delete's commit to its effect in comments
// at a steady write load. posts and comments run as built processes, one replica each; comments
// logs each handled event at debug level with its lag (occurredAt, set in the deleting
// transaction, to handler done), which is what is read here.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { Events, Subjects } from '#contracts';
import { EVENTS_STREAM } from '#events';
import { consumerState, sql, startTestMesh, testClient, TEST_DATABASE_URL, type AppProcess } from '#testing';
import { round } from './measure.js';

const DURABLE = 'comments--events-posts-deleted';

const percentile = (sorted: number[], p: number) =>
  round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN);

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not done within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Handled {
  eventId: string;
  lagMs: number;
  publishMs: number;
  ms: number;
}

function handled(comments: AppProcess): Handled[] {
  return comments.logs
    .filter((l) => l.msg === 'event handled')
    .map((l) => ({
      eventId: l.eventId as string,
      lagMs: l.lagMs as number,
      publishMs: l.publishMs as number,
      ms: l.ms as number,
    }));
}

export async function eventsBench(o: {
  seconds: number;
  emit: (line: Record<string, unknown>) => void;
  backlog?: number;
  ratePerSec?: number;
  commentsEnv?: Record<string, string>;
}): Promise<void> {
  const backlog = o.backlog ?? 10_000;
  const rate = o.ratePerSec ?? 200;
  const mesh = await startTestMesh({ replicas: { posts: 1 }, env: { LOG_LEVEL: 'warn' } });
  const client = await testClient(mesh.nats.url);
  // One connection for the polling below (a new one per poll would cost PostgreSQL a process).
  const db = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await db.connect();
  try {
    // Debug: one 'event handled' line per event, with lagMs. comments gets no requests here.
    const comments = await mesh.addReplica('comments', { LOG_LEVEL: 'debug', ...o.commentsEnv });
    const postsSchema = mesh.env.POSTS_DB_SCHEMA;
    const drained = async () => {
      const s = await consumerState(client.nc, EVENTS_STREAM, DURABLE);
      return s !== null && s.pending === 0 && s.ackPending === 0;
    };
    await until(async () => (await consumerState(client.nc, EVENTS_STREAM, DURABLE)) !== null, 10_000);

    // 1. Throughput: a backlog committed at once into posts' outbox (one INSERT … SELECT), as
    // many deletes committed together would leave it; found by the relay's poll (≤ 500 ms).
    const started = performance.now();
    await sql(
      `INSERT INTO "${postsSchema}".outbox (id, subject, payload)
       SELECT id, $1, jsonb_build_object('eventId', id, 'occurredAt', to_char(now() AT TIME ZONE 'UTC',
         'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'postId', gen_random_uuid(), 'authorId', gen_random_uuid(),
         'mediaIds', '[]'::jsonb)
       FROM (SELECT gen_random_uuid() AS id FROM generate_series(1, $2)) g`,
      [Events.posts.deleted, backlog],
    );
    let relayedAt = 0;
    await until(async () => {
      if (!relayedAt) {
        const r = await db.query(`SELECT 1 FROM "${postsSchema}".outbox WHERE published_at IS NULL LIMIT 1`);
        if (r.rowCount === 0) relayedAt = performance.now();
      }
      return relayedAt > 0 && (await drained());
    }, 300_000);
    const seconds = (performance.now() - started) / 1000;
    o.emit({
      bench: `events: a backlog of ${backlog} posts.deleted in posts' outbox → JetStream → comments (1 replica each)`,
      eventsPerSec: Math.round(backlog / seconds),
      relayedPerSec: Math.round(backlog / ((relayedAt - started) / 1000)),
      seconds: round(seconds),
      handled: handled(comments).length,
    });

    // 2. Lag at a steady write load: `rate` post deletes a second through posts (NATS requests),
    // each committing its event with the delete; comments removes the post's comments.
    const author = { id: randomUUID(), username: 'bench_events', displayName: 'Bench' };
    const total = rate * o.seconds;
    const ids: string[] = [];
    for (let i = 0; i < total; i += 50) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(50, total - i) }, () =>
          client.mesh.request(Subjects.posts.create, { author, text: 'to be deleted' }),
        ),
      );
      ids.push(...batch.map((p) => p.id));
    }
    const before = new Set(handled(comments).map((h) => h.eventId));
    const deletes: Array<Promise<unknown>> = [];
    let errors = 0;
    const t0 = performance.now();
    for (let i = 0; i < total; i++) {
      // Open loop: each delete leaves at its scheduled time, whatever the previous ones do.
      const due = t0 + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      deletes.push(
        client.mesh
          .request(Subjects.posts.delete, { id: ids[i], requesterId: author.id }, { timeoutMs: 5000 })
          .catch(() => errors++),
      );
    }
    await Promise.all(deletes);
    const offered = total / ((performance.now() - t0) / 1000);
    await until(drained, 60_000);
    const steady = handled(comments).filter((h) => !before.has(h.eventId));
    const sorted = (pick: (h: Handled) => number) => steady.map(pick).sort((a, b) => a - b);
    const lags = sorted((h) => h.lagMs);
    const publish = sorted((h) => h.publishMs);
    const handler = sorted((h) => h.ms);
    o.emit({
      bench: `events: commit-to-effect lag at a steady ${rate} post deletes/s for ${o.seconds} s (delete committed in posts → comments' handler done)`,
      offeredPerSec: Math.round(offered),
      events: lags.length,
      p50Ms: percentile(lags, 0.5),
      p99Ms: percentile(lags, 0.99),
      maxMs: percentile(lags, 1),
      // Parts of it: commit → stored in JetStream (posts' relay), and the handler's own time.
      publishP50Ms: percentile(publish, 0.5),
      publishP99Ms: percentile(publish, 0.99),
      handlerP50Ms: percentile(handler, 0.5),
      handlerP99Ms: percentile(handler, 0.99),
      errors,
    });
  } finally {
    await db.end();
    await client.nc.close();
    await mesh.stop();
  }
}
