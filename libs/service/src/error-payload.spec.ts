// Composed here, where a service replica wires mesh's error payloads to persistence's classifier.
// A failed handler's error becomes the reply's `err`: our codes pass through, dependency
// failures become `unavailable`, and anything else is `internal` — never a raw driver error.
import { describe, expect, it } from 'vitest';
import { ErrorCodes, MeshError } from '#contracts';
import { classifyDatabaseError } from '#persistence';
import { toErrorPayload } from '#mesh';

const pgError = (code: string, message: string) => Object.assign(new Error(message), { code, severity: 'FATAL' });

describe('toErrorPayload', () => {
  it('keeps a MeshError and a payload the mesh wrote', () => {
    expect(toErrorPayload(new MeshError(ErrorCodes.notFound, 'no such post'))).toEqual({
      code: 'not_found',
      message: 'no such post',
    });
    expect(toErrorPayload({ code: 'conflict', message: 'taken' })).toEqual({ code: 'conflict', message: 'taken' });
  });

  it.each([
    ['PostgreSQL refusing connections', pgError('55000', 'database "x" is not currently accepting connections')],
    ['PostgreSQL down', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['PostgreSQL shutting down', pgError('57P01', 'terminating connection due to administrator command')],
    ['a pool that cannot connect in time', new Error('timeout exceeded when trying to connect')],
  ])('maps %s to unavailable', (_, err) => {
    expect(toErrorPayload(err, classifyDatabaseError)).toEqual({
      code: 'unavailable',
      message: 'the database is unavailable',
    });
  });

  it('never passes a driver or system error through as if it were ours', () => {
    expect(toErrorPayload(pgError('23502', 'null value in column "x"'), classifyDatabaseError)).toEqual({
      code: 'internal',
      message: 'internal error',
    });
    expect(toErrorPayload(Object.assign(new Error('boom'), { code: 'EISDIR' }))).toEqual({
      code: 'internal',
      message: 'internal error',
    });
    expect(toErrorPayload({ code: 'not_a_code', message: 'x' })).toEqual({
      code: 'internal',
      message: 'internal error',
    });
  });
});
