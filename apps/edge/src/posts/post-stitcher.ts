// A post as frontends see it is stitched from posts (required) and likes, comments and media
// (optional: when one is unavailable its fields are null — media: the ids only — and it is named
// in `degraded`). A page of N posts costs one batch request to each optional service, never N.
import { Inject, Injectable } from '@nestjs/common';
import { Subjects, type Media, type PostRecord } from '#contracts';
import { EdgeMesh } from '../mesh/edge-mesh.js';
import { EdgeMetrics } from '../metrics/edge-metrics.js';
import type { PostPageView, PostView } from './post-view.js';

type LikeSummaries = Record<string, { count: number; likedByMe: boolean | null }>;

/** The optional parts of some posts; null where that service could not be asked. */
export interface PostParts {
  likes: LikeSummaries | null;
  comments: Record<string, number> | null;
  media: Map<string, Media> | null;
}

@Injectable()
export class PostStitcher {
  constructor(
    @Inject(EdgeMesh) private readonly mesh: EdgeMesh,
    @Inject(EdgeMetrics) private readonly metrics: EdgeMetrics,
  ) {}

  /** Likes and comments for all posts at once; needs only the ids, so it can run beside posts. */
  counts(postIds: string[], viewerId: string | undefined): Promise<Pick<PostParts, 'likes' | 'comments'>> {
    if (postIds.length === 0) return Promise.resolve({ likes: {}, comments: {} });
    return Promise.all([
      this.mesh.readOptional(Subjects.likes.summary, { postIds, viewerId }),
      this.mesh.readOptional(Subjects.comments.count, { postIds }),
    ]).then(([likes, comments]) => ({ likes: likes?.summaries ?? null, comments: comments?.counts ?? null }));
  }

  /** The Media of every attached id, in one request; no request when nothing is attached. */
  async media(posts: PostRecord[]): Promise<Map<string, Media> | null> {
    const ids = [...new Set(posts.flatMap((p) => p.mediaIds))];
    if (ids.length === 0) return new Map();
    const reply = await this.mesh.readOptional(Subjects.media.resolve, { ids });
    return reply && new Map(reply.items.map((m) => [m.id, m]));
  }

  view(post: PostRecord, parts: PostParts): PostView {
    const degraded: string[] = [];
    if (parts.comments === null) degraded.push('comments');
    if (parts.likes === null) degraded.push('likes');
    if (parts.media === null && post.mediaIds.length > 0) degraded.push('media');
    const like = parts.likes?.[post.id];
    return {
      id: post.id,
      author: post.author,
      text: post.text,
      // An attached upload media no longer knows (e.g. removed) is left out rather than invented.
      media: parts.media
        ? post.mediaIds.flatMap((id) => parts.media!.get(id) ?? [])
        : post.mediaIds.map((id) => ({ id })),
      // Records from a posts older than mentions have none.
      mentions: (post.mentions ?? []).map((m) => ({ username: m.username })),
      createdAt: post.createdAt,
      likeCount: parts.likes ? (like?.count ?? 0) : null,
      commentCount: parts.comments ? (parts.comments[post.id] ?? 0) : null,
      likedByMe: parts.likes ? (like?.likedByMe ?? null) : null,
      degraded,
    };
  }

  /**
   * A page of posts as frontends see it: one batch request per optional service for the whole
   * page. `degraded` is the union of the posts' and `alsoDegraded` (a page built without a
   * service of its own, e.g. the home feed's fallback); each is counted once.
   */
  async page(
    posts: PostRecord[],
    nextCursor: string | null,
    viewerId: string | undefined,
    alsoDegraded: string[] = [],
  ): Promise<PostPageView> {
    const [counts, media] = await Promise.all([
      this.counts(
        posts.map((post) => post.id),
        viewerId,
      ),
      this.media(posts),
    ]);
    const parts = { ...counts, media };
    const items = posts.map((post) => this.view(post, parts));
    const degraded = [...new Set([...alsoDegraded, ...items.flatMap((post) => post.degraded)])].sort();
    this.count(degraded);
    return { items, nextCursor, degraded };
  }

  /** Records each degraded service once per answer. */
  count(degraded: Iterable<string>): void {
    for (const s of degraded) this.metrics.degraded(s);
  }
}
