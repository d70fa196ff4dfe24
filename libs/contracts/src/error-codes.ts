// Error codes travel in NATS replies and are mapped to HTTP once, in the edge's exception filter.
export const ErrorCodes = {
  invalid: 'invalid',
  unauthenticated: 'unauthenticated',
  forbidden: 'forbidden',
  notFound: 'not_found',
  conflict: 'conflict',
  tooLarge: 'too_large',
  unsupportedMedia: 'unsupported_media',
  idempotencyMismatch: 'idempotency_mismatch',
  rateLimited: 'rate_limited',
  /**
   * The replica is busy and refused this at once rather than queueing it (at its concurrency
   * limit, or identity's hashing queue is full): the work was not started, so another replica may
   * be asked (never the same one), and `retryAfterMs` says when to try this one again. An answer,
   * not an outage: it never opens a breaker; the edge answers 503 with Retry-After, or leaves a
   * stitched part out as `degraded`.
   */
  overloaded: 'overloaded',
  /** The client did not send its whole request in time (the edge's REQUEST_TIMEOUT_MS). */
  requestTimeout: 'request_timeout',
  /**
   * The answer was made but is larger than NATS's max_payload, so it cannot be sent: the replica
   * answers this instead, at once, rather than letting the caller wait out its deadline. Our
   * fault (every reply is meant to fit), and an answer, not an outage: it never opens a breaker.
   */
  replyTooLarge: 'reply_too_large',
  /** The service answered but cannot do the work now (e.g. its database is down). */
  unavailable: 'unavailable',
  /** The caller's deadline passed before any replica answered. */
  timeout: 'timeout',
  /** No replica of the service is subscribed: NATS says so at once. */
  noResponders: 'no_responders',
  internal: 'internal',
} as const;
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export interface FieldError {
  field: string;
  message: string;
}

/** The `err` part of a failed reply. */
export interface MeshErrorPayload {
  code: ErrorCode;
  message: string;
  errors?: FieldError[];
  service?: string;
  /** `overloaded`: when to try again (ms). */
  retryAfterMs?: number;
  /** `overloaded`: the replica that refused (its id in NATS's service API), not to be asked again. */
  replica?: string;
}

/** Thrown by services (domain rules) and by the mesh client (transport failures). */
export class MeshError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly errors?: FieldError[],
    readonly service?: string,
    readonly hint: { retryAfterMs?: number; replica?: string } = {},
  ) {
    super(message);
    this.name = 'MeshError';
  }

  toPayload(): MeshErrorPayload {
    const payload: MeshErrorPayload = { code: this.code, message: this.message };
    if (this.errors) payload.errors = this.errors;
    if (this.service) payload.service = this.service;
    if (this.hint.retryAfterMs !== undefined) payload.retryAfterMs = this.hint.retryAfterMs;
    if (this.hint.replica !== undefined) payload.replica = this.hint.replica;
    return payload;
  }

  static fromPayload(p: MeshErrorPayload, service?: string): MeshError {
    const hint =
      p.retryAfterMs === undefined && p.replica === undefined
        ? undefined
        : { retryAfterMs: p.retryAfterMs, replica: p.replica };
    return new MeshError(p.code, p.message, p.errors, p.service ?? service, hint);
  }

  /** True when the failure says nothing about the request itself: another try may work. */
  get isUnavailability(): boolean {
    return (
      this.code === ErrorCodes.unavailable || this.code === ErrorCodes.timeout || this.code === ErrorCodes.noResponders
    );
  }
}

const KNOWN_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCodes));

/**
 * A reply's `err` as the mesh writes it: a plain object with one of our codes. Driver and system
 * errors also carry string `code`s ('55000', 'ECONNREFUSED'), so the code must be one of ours.
 */
export function isMeshErrorPayload(v: unknown): v is MeshErrorPayload {
  return (
    typeof v === 'object' &&
    v !== null &&
    !(v instanceof Error) &&
    KNOWN_CODES.has((v as MeshErrorPayload).code) &&
    typeof (v as MeshErrorPayload).message === 'string'
  );
}
