// A 429: the code the exception filter maps, plus what its headers say (Retry-After always;
// RateLimit-Limit/Remaining/Reset when a budget, not a login delay, refused it).
import { ErrorCodes, MeshError } from '#contracts';

export interface RateLimitHeaders {
  limit: number;
  remaining: number;
  /** Seconds until the window ends. */
  reset: number;
}

export class RateLimitedError extends MeshError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    readonly budget?: RateLimitHeaders,
  ) {
    super(ErrorCodes.rateLimited, message);
  }
}

/** The RateLimit-* headers (IETF draft, as GitHub and Mastodon send them) of a budget. */
export function rateLimitHeaders(h: RateLimitHeaders): Record<string, string> {
  return {
    'ratelimit-limit': String(h.limit),
    'ratelimit-remaining': String(h.remaining),
    'ratelimit-reset': String(h.reset),
  };
}
