// The edge's own concurrency limit (OVERLOAD_PROTECTION): the same adaptive limit as each
// replica's (Gradient2, libs/mesh/src/adaptive-limit.ts), over the API requests the edge holds,
// sampled with each one's handling time. When the edge itself is the bottleneck (its event loop,
// or the CPU it shares), requests past the limit are refused at once — a 503 naming `edge` with
// Retry-After, before their body is read — instead of waiting in its event loop behind the ones
// it cannot finish in time: a queue there only adds its wait to every answer. Health checks,
// GET /events streams (held for minutes by design) and the web client's files are not counted,
// nor /auth: its sign-ups and logins take their hashing time by design (a burst of them would
// read as queueing and shrink the limit for everyone), and they have limits of their own (the
// rate limits and the login concurrency cap).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ErrorCodes } from '#contracts';
import { Admission, DEFAULT_ADMISSION, type AdaptiveLimitOptions } from '#mesh';
import { problemFor, RETRY_AFTER_SECONDS } from '../problem/problem.js';
import { sendProblem } from '../problem/problem.filter.js';

/** The API's first path segments: what the limit counts. */
const API = new Set(['users', 'posts', 'timeline', 'comments', 'media', 'messages', 'conversations', 'notifications']);

/** Whether the limit counts this request (it runs for every request: its first segment is cut out, nothing split). */
export function countedByAdmission(method: string, url: string): boolean {
  if (method === 'OPTIONS' || url.charCodeAt(0) !== 0x2f) return false;
  let end = url.length;
  for (let i = 1; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (c === 0x2f || c === 0x3f || c === 0x23) {
      end = i; // '/', '?' or '#'
      break;
    }
  }
  // GET /events is not under these; GET /media/:id streams bytes but is short: counted.
  return API.has(url.slice(1, end));
}

export interface EdgeAdmissionState {
  enabled: boolean;
  limit: number;
  inFlight: number;
  refused: number;
}

export class EdgeAdmission {
  private readonly admission: Admission;
  private refusedCount = 0;
  private lastRefusedAt = -Infinity;

  constructor(o: { enabled: boolean } & Pick<AdaptiveLimitOptions, 'initial' | 'min' | 'max' | 'tolerance'>) {
    this.admission = new Admission({ ...DEFAULT_ADMISSION, ...o });
  }

  /** Whether it refused a request within the last `ms` (the brownout sheds optional parts meanwhile). */
  refusedWithin(ms: number): boolean {
    return performance.now() - this.lastRefusedAt < ms;
  }

  state(): EdgeAdmissionState {
    return {
      enabled: this.admission.o.enabled,
      limit: Math.round(this.admission.limiter.limit),
      inFlight: this.admission.inFlight,
      refused: this.refusedCount,
    };
  }

  install(fastify: FastifyInstance, onRefused: () => void): void {
    const held = new WeakMap<FastifyRequest, { at: number; with: number }>();
    const release = (req: FastifyRequest) => {
      const h = held.get(req);
      if (!h) return;
      held.delete(req);
      this.admission.release(performance.now() - h.at, h.with);
    };
    fastify.addHook('onRequest', (req, reply, done) => {
      if (!countedByAdmission(req.method, req.url)) return done();
      const before = this.admission.inFlight;
      if (!this.admission.tryAcquire('critical')) {
        this.refusedCount++;
        this.lastRefusedAt = performance.now();
        onRefused();
        sendProblem(
          reply,
          problemFor(ErrorCodes.overloaded, 'The edge is at its limit of requests in progress; try again shortly.', {
            service: 'edge',
          }),
          RETRY_AFTER_SECONDS,
        );
        return;
      }
      held.set(req, { at: performance.now(), with: before + 1 });
      done();
    });
    fastify.addHook('onResponse', (req, _reply, done) => {
      release(req);
      done();
    });
    // A client that hung up before its answer frees its place too.
    fastify.addHook('onRequestAbort', (req, done) => {
      release(req);
      done();
    });
  }
}
