// The `Idempotency-Key` header of an authenticated write (docs/api.md, "Retrying writes"). The
// key travels to the service that writes, which stores it with the write; a request without one
// gets a key made up here, so that the edge's own retry of this very request (after a timeout)
// cannot apply it twice either. Writes that are idempotent by nature (like, unlike: twice is
// once) need no made-up key for that, and storing one would cost each of them a row and a disk
// flush: for those only the client's own key travels (ClientIdempotencyKey).
import { randomUUID } from 'node:crypto';
import { applyDecorators, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ErrorCodes, MeshError } from '#contracts';
import { Problems } from '../openapi/openapi-refs.js';

/** 1-255 visible ASCII characters (RFC 5234 VCHAR: no spaces, no control characters). */
const KEY = /^[\x21-\x7e]{1,255}$/;
const RULE = 'must be 1-255 visible ASCII characters (no spaces)';

/** The client's key, or a fresh one when it sent none; a malformed key is a 400. */
export function idempotencyKeyOf(header: string | string[] | undefined): string {
  return clientIdempotencyKeyOf(header) ?? randomUUID();
}

/** The client's key, or undefined when it sent none; a malformed key is a 400. */
export function clientIdempotencyKeyOf(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  // A repeated header arrives as an array: that is no single key.
  if (typeof header !== 'string' || !KEY.test(header)) {
    throw new MeshError(ErrorCodes.invalid, 'The request is not valid.', [{ field: 'Idempotency-Key', message: RULE }]);
  }
  return header;
}

/** The request's idempotency key (see idempotencyKeyOf); resolved before the handler runs. */
export const IdempotencyKey = createParamDecorator((_: unknown, ctx: ExecutionContext): string =>
  idempotencyKeyOf(ctx.switchToHttp().getRequest<FastifyRequest>().headers['idempotency-key']),
);

/**
 * The client's idempotency key only (see clientIdempotencyKeyOf), for writes that are idempotent
 * by nature: the edge's own retry of those is safe without a key.
 */
export const ClientIdempotencyKey = createParamDecorator((_: unknown, ctx: ExecutionContext): string | undefined =>
  clientIdempotencyKeyOf(ctx.switchToHttp().getRequest<FastifyRequest>().headers['idempotency-key']),
);

/** Documents the header and the answers it adds (409 in progress, 422 reused) on a write route. */
export function ApiIdempotencyKey(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'Makes the write safe to retry: a repeat with the same key by the same user within 24 h answers ' +
        'the first status and body and writes nothing; the same key with another request is a 422; while ' +
        'the first is still running, a repeat may get 409. Without a key the edge makes one up for its own ' +
        'retries (not for like and unlike, which are idempotent by nature and retried without one). ' +
        `The key ${RULE} (else 400).`,
      schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7E]{1,255}$' },
    }),
    Problems(409, 422),
  );
}
