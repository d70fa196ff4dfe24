// The one question likes asks another service: does this post exist? Kept out of the service
// so the rules stay free of NATS.
import { ErrorCodes, MeshError, Subjects } from '#contracts';
import { requestContext, type MeshClient } from '#mesh';

/** Built in likes.app.ts on the service's own client connection, and provided as a value. */
export class PostsClient {
  constructor(
    private readonly mesh: MeshClient,
    private readonly timeoutMs: number,
  ) {}

  /** Throws not_found for a missing post, and unavailable naming posts when it cannot tell. */
  async assertPostExists(postId: string): Promise<void> {
    try {
      await this.mesh.request(Subjects.posts.get, { id: postId }, { timeoutMs: this.deadline() });
    } catch (err) {
      if (!(err instanceof MeshError)) throw err;
      if (err.code === ErrorCodes.notFound) throw new MeshError(ErrorCodes.notFound, 'no such post');
      if (err.isUnavailability) {
        // Named after posts, so the edge's 503 says which part of the mesh is missing.
        throw new MeshError(
          ErrorCodes.unavailable,
          'posts is unavailable, so the post cannot be checked',
          undefined,
          'posts',
        );
      }
      throw err;
    }
  }

  /** Never wait on posts longer than our own caller still waits on us. */
  private deadline(): number {
    const callerDeadline = requestContext.getStore()?.deadline;
    if (callerDeadline === undefined) return this.timeoutMs;
    return Math.max(1, Math.min(this.timeoutMs, callerDeadline - Date.now()));
  }
}
