// A post as frontends see it is stitched from posts (required) and likes and comments
// (optional: when one is unavailable its fields are null and it is named in `degraded`).
// A page of N posts costs one batch request to each optional service, never N.
import { Inject, Injectable } from '@nestjs/common';
import { MeshError, Subjects, type PostRecord } from '#contracts';
import { EdgeMesh } from '../mesh/edge-mesh.js';
import { EdgeMetrics } from '../metrics/edge-metrics.js';
import type { PostView } from './post-view.js';

type LikeSummaries = Record<string, { count: number; likedByMe: boolean | null }>;

@Injectable()
export class PostStitcher {
  constructor(
    @Inject(EdgeMesh) private readonly mesh: EdgeMesh,
    @Inject(EdgeMetrics) private readonly metrics: EdgeMetrics,
  ) {}

  /** Asks likes and comments for all posts at once, alongside whatever else the caller awaits. */
  parts(
    postIds: string[],
    viewerId: string | undefined,
  ): Promise<[LikeSummaries | null, Record<string, number> | null]> {
    if (postIds.length === 0) return Promise.resolve([{}, {}]);
    return Promise.all([
      this.optional(this.mesh.read(Subjects.likes.summary, { postIds, viewerId }).then((r) => r.summaries)),
      this.optional(this.mesh.read(Subjects.comments.count, { postIds }).then((r) => r.counts)),
    ]);
  }

  view(post: PostRecord, [likes, comments]: [LikeSummaries | null, Record<string, number> | null]): PostView {
    const degraded: string[] = [];
    if (comments === null) degraded.push('comments');
    if (likes === null) degraded.push('likes');
    if (post.mediaIds.length > 0) degraded.push('media');
    const like = likes?.[post.id];
    return {
      id: post.id,
      author: post.author,
      text: post.text,
      media: post.mediaIds.map((id) => ({ id })),
      createdAt: post.createdAt,
      likeCount: likes ? (like?.count ?? 0) : null,
      commentCount: comments ? (comments[post.id] ?? 0) : null,
      likedByMe: likes ? (like?.likedByMe ?? null) : null,
      degraded,
    };
  }

  /** Records each degraded service once per answer. */
  count(degraded: Iterable<string>): void {
    for (const s of degraded) this.metrics.degraded(s);
  }

  private async optional<T>(p: Promise<T>): Promise<T | null> {
    try {
      return await p;
    } catch (err) {
      if (err instanceof MeshError && err.isUnavailability) return null;
      throw err;
    }
  }
}
