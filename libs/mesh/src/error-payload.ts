import { ErrorCodes, isMeshErrorPayload, MeshError, type MeshErrorPayload } from '#contracts';

/** Recognises failures of a dependency (e.g. the database) that mean "unavailable", not "bug". */
export type ErrorClassifier = (err: unknown) => MeshError | undefined;

/** Turns anything a handler threw into the payload of a failed reply. */
export function toErrorPayload(err: unknown, classify?: ErrorClassifier): MeshErrorPayload {
  if (err instanceof MeshError) return err.toPayload();
  if (isMeshErrorPayload(err)) return err;
  const classified = classify?.(err);
  if (classified) return classified.toPayload();
  return { code: ErrorCodes.internal, message: 'internal error' };
}

export function isServerFault(p: MeshErrorPayload): boolean {
  return p.code === ErrorCodes.internal || p.code === ErrorCodes.unavailable || p.code === ErrorCodes.replyTooLarge;
}
