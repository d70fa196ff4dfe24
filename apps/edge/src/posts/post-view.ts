import type { AuthorSummary } from '#contracts';

/**
 * A post's author as frontends see it: posts' summary, and whether the viewer follows them
 * (graph). Null for anonymous readers, on the viewer's own posts, and while graph is unavailable
 * (then the post names `graph` in `degraded`).
 */
export interface PostAuthorView extends AuthorSummary {
  followedByMe: boolean | null;
}

/** The `Post` of docs/api.md. */
export interface PostView {
  id: string;
  author: PostAuthorView;
  text: string;
  media: Array<{ id: string }>;
  /** The users it mentions, as posts resolved them when it was written. */
  mentions: Array<{ username: string }>;
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
