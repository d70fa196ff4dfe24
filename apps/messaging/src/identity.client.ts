// The one question messaging asks another service: who is this recipient? Kept out of the
// service so the rules stay free of NATS.
import { ErrorCodes, MeshError, Subjects, type UserDto } from '#contracts';
import { asDependencyFailure, type MeshClient } from '#mesh';

/** Built in messaging.app.ts on the service's own client connection, and provided as a value. */
export class IdentityClient {
  constructor(
    private readonly mesh: MeshClient,
    private readonly timeoutMs: number,
  ) {}

  /** Throws not_found for an unknown username, and unavailable naming identity when it cannot tell. */
  async lookup(username: string): Promise<UserDto> {
    try {
      return await this.mesh.request(
        Subjects.identity.lookupUser,
        { username },
        { timeoutMs: this.timeoutMs, retryOnTimeout: true },
      );
    } catch (err) {
      if (err instanceof MeshError && err.code === ErrorCodes.notFound)
        throw new MeshError(ErrorCodes.notFound, 'no such user');
      throw asDependencyFailure(err, 'identity is unavailable, so the recipient cannot be found');
    }
  }
}
