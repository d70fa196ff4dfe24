// Feed lag, commit → visible in every follower's home feed, read from feed's own table: the home
// page is served from feed_item, so a row there is what a follower's next read shows. Each
// tracked post is polled (one indexed query for all pending posts every POLL_MS) until the
// number of feeds holding it reaches its author's followers + 1 (the author's own feed); its lag
// is that moment minus the post's createdAt (stamped by posts before its commit, same clock),
// so the figure errs long by the commit time and by up to POLL_MS.
import pg from 'pg';
import { TEST_DATABASE_URL } from '#testing';

const POLL_MS = 20;

interface Pending {
  createdAtMs: number;
  feeds: number;
  firstSeenMs?: number;
}

export interface LagFigures {
  posts: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Posts not in all their feeds when the probe stopped. */
  unfinished: number;
  pollMs: number;
}

export class FeedLagProbe {
  private readonly pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 2 });
  private readonly pending = new Map<string, Pending>();
  private readonly lags = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private polling = false;

  constructor(private readonly feedSchema: string) {}

  start(): void {
    this.timer = setInterval(() => void this.poll(), POLL_MS);
  }

  /** A post to follow until it is in `feeds` feeds (followers + its author). */
  track(postId: string, createdAt: string, feeds: number): void {
    this.pending.set(postId, { createdAtMs: Date.parse(createdAt), feeds });
  }

  /** Lag of one post once it has fully arrived (undefined before). */
  lagOf(postId: string): number | undefined {
    return this.lags.get(postId);
  }

  /** Waits up to `ms` for what is pending, then stops and reports. */
  async finish(ms = 10_000, only?: (postId: string) => boolean): Promise<LagFigures> {
    const until = Date.now() + ms;
    while (this.pending.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, POLL_MS));
    return this.figures(only);
  }

  figures(only?: (postId: string) => boolean): LagFigures {
    const lags = [...this.lags]
      .filter(([id]) => !only || only(id))
      .map(([, l]) => l)
      .sort((a, b) => a - b);
    const at = (p: number) =>
      lags.length ? Math.round(lags[Math.min(lags.length - 1, Math.floor(lags.length * p))]) : 0;
    return {
      posts: lags.length,
      p50Ms: at(0.5),
      p99Ms: at(0.99),
      maxMs: at(1),
      unfinished: [...this.pending.keys()].filter((id) => !only || only(id)).length,
      pollMs: POLL_MS,
    };
  }

  reset(): void {
    this.pending.clear();
    this.lags.clear();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    while (this.polling) await new Promise((r) => setTimeout(r, POLL_MS));
    await this.pool.end();
  }

  private async poll(): Promise<void> {
    if (this.polling || this.pending.size === 0) return;
    this.polling = true;
    try {
      const ids = [...this.pending.keys()];
      const { rows } = await this.pool.query<{ post_id: string; n: string }>(
        `SELECT post_id, count(*) AS n FROM "${this.feedSchema}".feed_item WHERE post_id = ANY($1::uuid[]) GROUP BY post_id`,
        [ids],
      );
      const now = Date.now();
      for (const row of rows) {
        const p = this.pending.get(row.post_id);
        if (p && Number(row.n) >= p.feeds) {
          this.lags.set(row.post_id, now - p.createdAtMs);
          this.pending.delete(row.post_id);
        }
      }
    } finally {
      this.polling = false;
    }
  }
}
