// What stands between a login and identity's scrypt, besides the budgets: at most
// LOGIN_CONCURRENCY_PER_IP logins of one client IP in flight at this edge (one more is a 429 at
// once, so a flood from one client cannot fill identity's hashing queue), and a growing delay of
// a username after failed logins (login-delay.ts). Unknown usernames are delayed exactly like
// known ones, so the delay tells nobody which names exist.
import { Inject, Injectable } from '@nestjs/common';
import { ErrorCodes, MeshError } from '#contracts';
import { EDGE_CONFIG, type EdgeConfig } from '../edge.config.js';
import { EdgeMetrics } from '../metrics/edge-metrics.js';
import { loginWaitMs, type LoginDelayPolicy } from './login-delay.js';
import { RateLimitedError } from './rate-limited.error.js';

/** Usernames with failures remembered at most (the oldest forgotten first): memory stays bounded. */
const MAX_TRACKED = 100_000;

const FORGET_AFTER_MS = 3_600_000;

interface Failures {
  count: number;
  lastAt: number;
}

@Injectable()
export class LoginGate {
  private readonly inFlight = new Map<string, number>();
  private readonly failures = new Map<string, Failures>();
  private readonly policy: LoginDelayPolicy;
  private readonly enabled: boolean;

  constructor(
    @Inject(EDGE_CONFIG) private readonly config: EdgeConfig,
    @Inject(EdgeMetrics) private readonly metrics: EdgeMetrics,
  ) {
    this.enabled = config.RATE_LIMITS === 'on';
    this.policy = {
      freeFailures: config.LOGIN_FREE_FAILURES,
      baseMs: config.LOGIN_DELAY_BASE_MS,
      maxMs: config.LOGIN_DELAY_MAX_MS,
    };
  }

  async login<T>(ip: string, username: string, attempt: () => Promise<T>): Promise<T> {
    if (!this.enabled) return attempt();
    const user = username.toLowerCase();
    const now = Date.now();
    const f = this.failures.get(user);
    const wait = f ? loginWaitMs(f.count, f.lastAt, now, this.policy) : 0;
    if (wait > 0) {
      this.metrics.rateLimited('login-delay');
      const s = Math.ceil(wait / 1000);
      throw new RateLimitedError(`Too many failed logins for this username; try again in ${s} s.`, s);
    }
    const running = this.inFlight.get(ip) ?? 0;
    if (running >= this.config.LOGIN_CONCURRENCY_PER_IP) {
      this.metrics.rateLimited('login-concurrency');
      throw new RateLimitedError('Too many logins at once from this address; try again in 1 s.', 1);
    }
    this.inFlight.set(ip, running + 1);
    try {
      const result = await attempt();
      this.failures.delete(user);
      return result;
    } catch (err) {
      if (err instanceof MeshError && err.code === ErrorCodes.unauthenticated) this.failed(user, Date.now());
      throw err;
    } finally {
      const left = (this.inFlight.get(ip) ?? 1) - 1;
      if (left > 0) this.inFlight.set(ip, left);
      else this.inFlight.delete(ip);
    }
  }

  private failed(user: string, now: number): void {
    const f = this.failures.get(user);
    // After a long quiet (an hour, or twice the longest delay) the count starts again.
    const stale = f && now - f.lastAt > Math.max(2 * this.policy.maxMs, FORGET_AFTER_MS);
    const count = f && !stale ? f.count + 1 : 1;
    this.failures.delete(user); // re-inserted last: the Map's order is oldest-failure first
    this.failures.set(user, { count, lastAt: now });
    if (this.failures.size > MAX_TRACKED) this.failures.delete(this.failures.keys().next().value!);
  }
}
