// Asks posts whether a post exists. Comments checks this itself, beside the write it guards,
// instead of trusting every caller to have checked.
import { ErrorCodes, MeshError, Subjects } from '#contracts';
import { requestContext, type MeshClient } from '#mesh';

export class PostsClient {
  constructor(
    private readonly mesh: MeshClient,
    private readonly timeoutMs: number,
  ) {}

  /** False for an unknown post; throws `unavailable` naming posts when posts cannot answer. */
  async exists(postId: string): Promise<boolean> {
    try {
      await this.mesh.request(Subjects.posts.get, { id: postId }, { timeoutMs: this.deadline() });
      return true;
    } catch (err) {
      if (err instanceof MeshError && err.code === ErrorCodes.notFound) return false;
      if (err instanceof MeshError && err.isUnavailability) {
        // Named after posts, so the edge answers 503 blaming the service that is really down.
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

  /** Never wait past our own caller's deadline: once it has given up, the answer is useless. */
  private deadline(): number {
    const callerDeadline = requestContext.getStore()?.deadline;
    if (callerDeadline === undefined) return this.timeoutMs;
    return Math.max(1, Math.min(this.timeoutMs, callerDeadline - Date.now()));
  }
}
