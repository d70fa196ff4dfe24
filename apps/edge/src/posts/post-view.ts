// The `Post` frontends see: the posts service's record plus the parts other services own.
// Until likes, comments and media join the mesh their parts are null and named in `degraded`.
import type { AuthorSummary, PostRecord } from '#contracts';

export interface PostView {
  id: string;
  author: AuthorSummary;
  text: string;
  media: Array<{ id: string }>;
  createdAt: string;
  likeCount: number | null;
  commentCount: number | null;
  likedByMe: boolean | null;
  degraded: string[];
}

export interface PostPageView {
  items: PostView[];
  nextCursor: string | null;
  degraded: string[];
}

/** Services whose part of a post this edge could not load. */
export function missingParts(post: PostRecord): string[] {
  const missing = ['comments', 'likes'];
  if (post.mediaIds.length > 0) missing.push('media');
  return missing.sort();
}

export function toPostView(post: PostRecord): PostView {
  return {
    id: post.id,
    author: post.author,
    text: post.text,
    media: post.mediaIds.map((id) => ({ id })),
    createdAt: post.createdAt,
    likeCount: null,
    commentCount: null,
    likedByMe: null,
    degraded: missingParts(post),
  };
}

export function toPostPageView(page: { items: PostRecord[]; nextCursor: string | null }): PostPageView {
  const items = page.items.map(toPostView);
  const degraded = [...new Set(items.flatMap((p) => p.degraded))].sort();
  return { items, nextCursor: page.nextCursor, degraded };
}
