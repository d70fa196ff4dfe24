import { AsyncLocalStorage } from 'node:async_hooks';

/** What a unit of work carries through async calls: log lines and outgoing requests read it. */
export interface RequestContext {
  requestId: string;
  /** Absolute deadline (epoch ms) set by the caller, if any. */
  deadline?: number;
}

export const requestContext = new AsyncLocalStorage<RequestContext>();

export function currentRequestId(): string | undefined {
  return requestContext.getStore()?.requestId;
}
