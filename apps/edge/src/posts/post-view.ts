import type { AuthorSummary } from '#contracts';

/** The `Post` of docs/api.md. */
export interface PostView {
  id: string;
  author: AuthorSummary;
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
