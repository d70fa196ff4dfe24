// Asks posts whether a post exists. Comments checks this itself, beside the write it guards,
// instead of trusting every caller to have checked.
import { ErrorCodes, MeshError, Subjects } from '#contracts';
import { asDependencyFailure, type MeshClient } from '#mesh';

export class PostsClient {
  constructor(
    private readonly mesh: MeshClient,
    private readonly timeoutMs: number,
  ) {}

  /** False for an unknown post; throws `unavailable` naming posts when posts cannot answer. */
  async exists(postId: string): Promise<boolean> {
    try {
      await this.mesh.request(Subjects.posts.get, { id: postId }, { timeoutMs: this.timeoutMs, retryOnTimeout: true });
      return true;
    } catch (err) {
      if (err instanceof MeshError && err.code === ErrorCodes.notFound) return false;
      throw asDependencyFailure(err, 'posts is unavailable, so the post cannot be checked');
    }
  }
}
