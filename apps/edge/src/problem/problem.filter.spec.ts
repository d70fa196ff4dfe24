// A final `overloaded` on a route's own call: 503 at once, with the refusal's retry hint.
import type { FastifyReply } from 'fastify';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, MeshError } from '#contracts';
import { retryAfterOf, sendProblem, toProblem } from './problem.filter.js';

function fakeReply() {
  const headers: Record<string, string> = {};
  let status = 0;
  let body = '';
  const reply = {
    header(k: string, v: string) {
      headers[k] = v;
      return reply;
    },
    status(s: number) {
      status = s;
      return reply;
    },
    send(b: string) {
      body = b;
      return reply;
    },
  };
  return {
    reply: reply as unknown as FastifyReply,
    sent: () => ({ status, headers, body: JSON.parse(body) as unknown }),
  };
}

describe('an overloaded refusal at the edge', () => {
  it('is a 503 naming the service, with Retry-After from the hint in whole seconds', () => {
    const err = new MeshError(ErrorCodes.overloaded, 'posts is at its concurrency limit', undefined, 'posts', {
      retryAfterMs: 1500,
      replica: 'R1',
    });
    const { reply, sent } = fakeReply();
    sendProblem(reply, toProblem(err), retryAfterOf(err));
    expect(sent()).toEqual({
      status: 503,
      headers: { 'retry-after': '2', 'content-type': 'application/problem+json' },
      body: {
        type: 'urn:failsoft:problem:overloaded',
        title: 'Service unavailable',
        status: 503,
        detail: 'posts is at its concurrency limit',
        service: 'posts',
      },
    });
  });

  it('without a hint, gets the 503 default of one second', () => {
    const { reply, sent } = fakeReply();
    const err = new MeshError(ErrorCodes.overloaded, 'identity is busy hashing', undefined, 'identity');
    sendProblem(reply, toProblem(err), retryAfterOf(err));
    expect(sent().headers['retry-after']).toBe('1');
  });
});
