// The rules of comments; no NATS, no SQL.
import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import {
  decodeCursor,
  encodeCursor,
  ErrorCodes,
  MeshError,
  type CommentCountsReply,
  type CommentPage,
  type CommentRecord,
  type CountCommentsRequest,
  type CreateCommentRequest,
  type DeleteCommentReply,
  type DeleteCommentRequest,
  type ListCommentsRequest,
} from '#contracts';
import { CommentsRepository } from './comments.repository.js';
import { toCommentRecord } from './comment.mapper.js';
import { PostsClient } from './posts.client.js';

@Injectable()
export class CommentsService {
  constructor(
    private readonly repo: CommentsRepository,
    private readonly posts: PostsClient,
  ) {}

  async create(r: CreateCommentRequest): Promise<CommentRecord> {
    if (!(await this.posts.exists(r.postId))) throw new MeshError(ErrorCodes.notFound, 'no such post');
    const comment = await this.repo.insert({
      id: randomUUID(),
      postId: r.postId,
      authorId: r.author.id,
      authorUsername: r.author.username,
      authorDisplayName: r.author.displayName,
      text: r.text,
    });
    return toCommentRecord(comment);
  }

  /** No check that the post exists: an unknown post simply has no comments. */
  async list(r: ListCommentsRequest): Promise<CommentPage> {
    const after = r.cursor ? decodeCursor(r.cursor) : undefined;
    const rows = await this.repo.page({ postId: r.postId, after, limit: r.limit + 1 });
    const items = rows.slice(0, r.limit).map(toCommentRecord);
    const last = items[items.length - 1];
    const nextCursor = rows.length > r.limit && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null;
    return { items, nextCursor };
  }

  async delete(r: DeleteCommentRequest): Promise<DeleteCommentReply> {
    const outcome = await this.repo.deleteOwned(r.id, r.requesterId);
    if (outcome === 'not_found') throw new MeshError(ErrorCodes.notFound, 'no such comment');
    if (outcome === 'forbidden') throw new MeshError(ErrorCodes.forbidden, 'only the author may delete a comment');
    return { deleted: true };
  }

  /** Every asked id is in the answer, 0 when it has no comments (or is no post at all). */
  async count(r: CountCommentsRequest): Promise<CommentCountsReply> {
    const found = r.postIds.length ? await this.repo.countByPost(r.postIds) : new Map<string, number>();
    const counts: Record<string, number> = {};
    for (const id of r.postIds) counts[id] = found.get(id) ?? 0;
    return { counts };
  }
}
