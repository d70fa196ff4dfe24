import { AsyncLocalStorage } from 'node:async_hooks';

/** What a unit of work carries through async calls: log lines and outgoing requests read it. */
export interface RequestContext {
  requestId: string;
  /** Absolute deadline (epoch ms) set by the caller, if any. */
  deadline?: number;
  /** The write's idempotency key, when the caller sent one (see MeshHeaders.idempotencyKey). */
  idempotencyKey?: string;
  /** W3C trace context of the current span (tracing on): the parent of what this work asks. */
  traceparent?: string;
  /** The current trace's id, for log lines. */
  traceId?: string;
  /**
   * How much the request matters (MeshHeaders.criticality: critical, degradable, sheddable);
   * absent is critical. Onward calls inherit it.
   */
  criticality?: 'critical' | 'degradable' | 'sheddable';
}

export const requestContext = new AsyncLocalStorage<RequestContext>();

export function currentRequestId(): string | undefined {
  return requestContext.getStore()?.requestId;
}

/** The idempotency key the current request arrived with, if any. */
export function currentIdempotencyKey(): string | undefined {
  return requestContext.getStore()?.idempotencyKey;
}

/**
 * Requests dropped because their deadline had passed, for the replica's figures: before a
 * database query (libs/persistence's check). One replica is one process, so one count.
 */
export const deadlineCounters = { expiredBeforeQuery: 0 };
