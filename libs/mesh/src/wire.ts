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
