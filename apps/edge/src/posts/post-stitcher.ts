// A post as frontends see it is stitched from posts (required) and likes, comments, media and
// graph (optional: when one is unavailable its fields are null — media: the ids only — and it is
// named in `degraded`). A page of N posts costs one batch request to each optional service, never
// N; graph is asked only for a signed-in viewer, about the authors who are not the viewer.
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
  /**
   * Whether the viewer follows each author, by author id; null where graph could not be asked.
   * An author not in the map was not asked about (anonymous viewer, the viewer's own posts).
   */
  followed: Map<string, boolean | null>;
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

  /**
   * Whether `viewerId` follows each author of `posts`, in one graph.relationships request; no
   * request for an anonymous viewer, when every post is the viewer's own, or for authors in
   * `known` (author id, lowercase → followed): what the caller was told already — by feed, whose
   * home page says it of each post, or by graph's followees for the page built without feed.
   */
  async followed(
    posts: PostRecord[],
    viewerId: string | undefined,
    known?: ReadonlyMap<string, boolean>,
  ): Promise<Map<string, boolean | null>> {
    const followed = new Map<string, boolean | null>();
    if (!viewerId) return followed;
    const viewer = viewerId.toLowerCase();
    const ask: string[] = [];
    for (const id of new Set(posts.map((p) => p.author.id.toLowerCase()))) {
      if (id === viewer) continue;
      const k = known?.get(id);
      if (k !== undefined) followed.set(id, k);
      else ask.push(id);
    }
    if (ask.length === 0) return followed;
    // A page holds at most 100 posts, so at most 100 authors: one request (its limit is 100).
    const reply = await this.mesh.readOptional(Subjects.graph.relationships, { userIds: ask, viewerId });
    for (const id of ask) followed.set(id, reply ? (reply.relationships[id]?.followedByMe ?? false) : null);
    return followed;
  }

  view(post: PostRecord, parts: PostParts): PostView {
    const degraded: string[] = [];
    const followedByMe = parts.followed.get(post.author.id.toLowerCase());
    if (parts.comments === null) degraded.push('comments');
    if (followedByMe === null) degraded.push('graph');
    if (parts.likes === null) degraded.push('likes');
    if (parts.media === null && post.mediaIds.length > 0) degraded.push('media');
    const like = parts.likes?.[post.id];
    return {
      id: post.id,
      author: { ...post.author, followedByMe: followedByMe ?? null },
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
   * page, all at once. `degraded` is the union of the posts' and `alsoDegraded` (a page built
   * without a service of its own, e.g. the home feed's fallback); each is counted once.
   * `known`: whether the viewer follows some authors, known already (graph is not asked about them).
   */
  async page(
    posts: PostRecord[],
    nextCursor: string | null,
    viewerId: string | undefined,
    alsoDegraded: string[] = [],
    known?: ReadonlyMap<string, boolean>,
  ): Promise<PostPageView> {
    const [counts, media, followed] = await Promise.all([
      this.counts(
        posts.map((post) => post.id),
        viewerId,
      ),
      this.media(posts),
      this.followed(posts, viewerId, known),
    ]);
    const parts = { ...counts, media, followed };
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
