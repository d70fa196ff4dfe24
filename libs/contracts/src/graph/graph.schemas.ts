import { z } from 'zod';
import { AuthorSummary, Uuid } from '../common/ids.js';
import { Cursor } from '../common/pagination.js';
import { Username } from '../identity/identity.schemas.js';

/**
 * Follow and unfollow are idempotent: a second follow is a no-op, not an error or a second row.
 * Both users travel as summaries (the edge has just looked the followee up), so a page of
 * followers needs no call to identity: usernames never change.
 */
export const FollowRequest = z.strictObject({ follower: AuthorSummary, followee: AuthorSummary });
export type FollowRequest = z.infer<typeof FollowRequest>;

/** By the followee's username: graph knows it from the follow, so an unfollow needs no identity. */
export const UnfollowRequest = z.strictObject({ followerId: Uuid, followee: Username });
export type UnfollowRequest = z.infer<typeof UnfollowRequest>;

export interface FollowReply {
  following: boolean;
}

export const ListFollowsRequest = z.strictObject({
  username: Username,
  limit: z.number().int().min(1).max(100),
  cursor: Cursor.optional(),
});
export type ListFollowsRequest = z.infer<typeof ListFollowsRequest>;

/** One user of a followers or following page, and since when the follow holds. */
export interface FollowRecord {
  user: AuthorSummary;
  since: string;
}

export interface FollowPage {
  items: FollowRecord[];
  nextCursor: string | null;
}

/**
 * One batch request for the users of a page (or one profile): their counts and, with a viewer,
 * how the viewer relates to each.
 */
export const RelationshipsRequest = z.strictObject({
  userIds: z.array(Uuid).min(1).max(100),
  viewerId: Uuid.optional(),
});
export type RelationshipsRequest = z.infer<typeof RelationshipsRequest>;

export interface Relationship {
  followerCount: number;
  followingCount: number;
  /** Whether the viewer follows this user; null when no viewer was given. */
  followedByMe: boolean | null;
  /** Whether this user follows the viewer; null when no viewer was given. */
  followsMe: boolean | null;
}

/** Every asked id is a key (lower case), whether or not anyone follows it. */
export interface RelationshipsReply {
  relationships: Record<string, Relationship>;
}

/** At most this many followees in one answer: a home feed built at read time asks for them all. */
export const MAX_FOLLOWEE_IDS = 2000;

/** Whom a user follows, as ids, newest follow first (the home feed built at read time). */
export const FolloweeIdsRequest = z.strictObject({ userId: Uuid });
export type FolloweeIdsRequest = z.infer<typeof FolloweeIdsRequest>;

export interface FolloweeIdsReply {
  ids: string[];
}

/** At most this many follows in one `graph.edges` page. */
export const MAX_EDGES_PAGE = 1000;

/**
 * Every follow that holds, in the order of its version (the version of the change that made it,
 * the same number its events.graph.followed carried), strictly after `afterVersion`: a reader
 * that pages to the end also sees the follows made while it paged (they draw greater versions).
 * With `followerId`, only that user's follows. For rebuilding feeds from the source of truth.
 */
export const EdgesRequest = z.strictObject({
  followerId: Uuid.optional(),
  afterVersion: z.number().int().min(0).optional(),
  limit: z.number().int().min(1).max(MAX_EDGES_PAGE),
});
export type EdgesRequest = z.infer<typeof EdgesRequest>;

export interface Edge {
  followerId: string;
  followeeId: string;
  version: number;
}

/** `nextAfterVersion` is the last item's version, or null when this page was the last. */
export interface EdgesReply {
  items: Edge[];
  nextAfterVersion: number | null;
}
