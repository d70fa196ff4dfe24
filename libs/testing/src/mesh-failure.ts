import { MeshError, type MeshErrorPayload } from '#contracts';

/** The payload of the MeshError a request failed with; throws if it succeeded or failed otherwise. */
export async function meshFailure(p: Promise<unknown>): Promise<MeshErrorPayload> {
  try {
    await p;
  } catch (err) {
    if (err instanceof MeshError) return err.toPayload();
    throw err;
  }
  throw new Error('expected the request to fail with a MeshError; it succeeded');
}
