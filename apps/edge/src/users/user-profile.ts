// A user as frontends see it: identity's user (required) and graph's counts and relationship to
// the viewer (optional: when graph is unavailable those fields are null and `graph` is named in
// `degraded`). One batch request to graph per answer.
import { Inject, Injectable } from '@nestjs/common';
import { Subjects, type Relationship, type UserDto } from '#contracts';
import { EdgeMesh } from '../mesh/edge-mesh.js';
import { EdgeMetrics } from '../metrics/edge-metrics.js';

export interface UserProfile extends UserDto {
  followerCount: number | null;
  followingCount: number | null;
  /** Null for anonymous readers, and while graph is unavailable. */
  followedByMe: boolean | null;
  followsMe: boolean | null;
  degraded: string[];
}

@Injectable()
export class UserProfiles {
  constructor(
    @Inject(EdgeMesh) private readonly mesh: EdgeMesh,
    @Inject(EdgeMetrics) private readonly metrics: EdgeMetrics,
  ) {}

  /** Graph's part for one user; null when graph could not be asked. Needs only the id. */
  async relationship(userId: string, viewerId: string | undefined): Promise<Relationship | null> {
    const reply = await this.mesh.readOptional(Subjects.graph.relationships, { userIds: [userId], viewerId });
    return reply?.relationships[userId] ?? null;
  }

  view(user: UserDto, relationship: Relationship | null): UserProfile {
    const { id, username, displayName, createdAt } = user;
    if (!relationship) this.metrics.degraded('graph');
    return {
      id,
      username,
      displayName,
      createdAt,
      followerCount: relationship?.followerCount ?? null,
      followingCount: relationship?.followingCount ?? null,
      followedByMe: relationship?.followedByMe ?? null,
      followsMe: relationship?.followsMe ?? null,
      degraded: relationship ? [] : ['graph'],
    };
  }
}
