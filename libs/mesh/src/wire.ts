// The packets Nest's NATS transport speaks: a request is {id, pattern, data}; a reply is
// {id, response} or {id, err}, with isDisposed set on the last one.
import type { MeshErrorPayload } from '#contracts';

export interface RequestPacket<T = unknown> {
  id: string;
  pattern: string;
  data: T;
}

export interface ReplyPacket<T = unknown> {
  id?: string;
  response?: T;
  err?: MeshErrorPayload | string | null;
  isDisposed?: boolean;
}

/**
 * The subject one replica answers on by itself, beside its queue group: `<subject>.<replica id>`
 * (the id NATS's service API gave it). A caller whose request timed out retries here, on a
 * replica it knows to be alive, instead of letting the queue group pick the frozen one again.
 */
export function directSubject(subject: string, replicaId: string): string {
  return `${subject}.${replicaId}`;
}
