// RFC 9457 problem details, exactly as docs/api.md gives them.
import { ErrorCodes, type ErrorCode, type FieldError } from '#contracts';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
  service?: string;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
/** Seconds a client should wait before retrying a 503. */
export const RETRY_AFTER_SECONDS = 1;

const byCode: Record<ErrorCode, { status: number; title: string }> = {
  [ErrorCodes.invalid]: { status: 400, title: 'Invalid request' },
  [ErrorCodes.unauthenticated]: { status: 401, title: 'Unauthenticated' },
  [ErrorCodes.forbidden]: { status: 403, title: 'Forbidden' },
  [ErrorCodes.notFound]: { status: 404, title: 'Not found' },
  [ErrorCodes.conflict]: { status: 409, title: 'Conflict' },
  [ErrorCodes.tooLarge]: { status: 413, title: 'Too large' },
  [ErrorCodes.unsupportedMedia]: { status: 415, title: 'Unsupported media type' },
  [ErrorCodes.idempotencyMismatch]: { status: 422, title: 'Idempotency key reused' },
  [ErrorCodes.rateLimited]: { status: 429, title: 'Too many requests' },
  [ErrorCodes.requestTimeout]: { status: 408, title: 'Request timeout' },
  [ErrorCodes.unavailable]: { status: 503, title: 'Service unavailable' },
  [ErrorCodes.overloaded]: { status: 503, title: 'Service unavailable' },
  [ErrorCodes.timeout]: { status: 503, title: 'Service unavailable' },
  [ErrorCodes.noResponders]: { status: 503, title: 'Service unavailable' },
  [ErrorCodes.replyTooLarge]: { status: 500, title: 'Internal error' },
  [ErrorCodes.internal]: { status: 500, title: 'Internal error' },
};

export function problemType(code: ErrorCode): string {
  return `urn:failsoft:problem:${code.replace(/_/g, '-')}`;
}

export function problemFor(
  code: ErrorCode,
  detail: string,
  extra: { errors?: FieldError[]; service?: string } = {},
): Problem {
  const { status, title } = byCode[code] ?? byCode[ErrorCodes.internal];
  const p: Problem = { type: problemType(code), title, status, detail };
  if (extra.errors && extra.errors.length > 0) p.errors = extra.errors;
  if (status === 503 && extra.service) p.service = extra.service;
  return p;
}

/** The code for an HTTP status the framework produced itself (404 route, 413 body, …). */
export function codeForStatus(status: number): ErrorCode {
  const entry = Object.entries(byCode).find(([, v]) => v.status === status);
  return (entry?.[0] as ErrorCode | undefined) ?? (status >= 500 ? ErrorCodes.internal : ErrorCodes.invalid);
}
