// The one question likes asks another service: does this post exist? Kept out of the service
// so the rules stay free of NATS.
import { ErrorCodes, MeshError, Subjects } from '#contracts';
import { asDependencyFailure, type MeshClient } from '#mesh';

/** Built in likes.app.ts on the service's own client connection, and provided as a value. */
export class PostsClient {
  constructor(
    private readonly mesh: MeshClient,
    private readonly timeoutMs: number,
  ) {}

  /** Throws not_found for a missing post, and unavailable naming posts when it cannot tell. */
  async assertPostExists(postId: string): Promise<void> {
    try {
      await this.mesh.request(Subjects.posts.get, { id: postId }, { timeoutMs: this.timeoutMs, retryOnTimeout: true });
    } catch (err) {
      if (err instanceof MeshError && err.code === ErrorCodes.notFound)
        throw new MeshError(ErrorCodes.notFound, 'no such post');
      throw asDependencyFailure(err, 'posts is unavailable, so the post cannot be checked');
    }
  }
}
