// The rules of comments; no NATS, no SQL.
import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import {
  decodeCursor,
  keysetPage,
  ErrorCodes,
  Events,
  excerptOf,
  MeshError,
  Subjects,
  type CommentCountsReply,
  type CommentPage,
  type CommentRecord,
  type CountCommentsRequest,
  type CreateCommentRequest,
  type DeleteCommentReply,
  type DeleteCommentRequest,
  type ListCommentsRequest,
} from '#contracts';
import { IdempotentWrites } from '#persistence';
import { Outbox } from '#events';
import { CommentsRepository } from './comments.repository.js';
import { toCommentRecord } from './comment.mapper.js';
import { PostsClient } from './posts.client.js';

@Injectable()
export class CommentsService {
  constructor(
    private readonly repo: CommentsRepository,
    private readonly posts: PostsClient,
    private readonly idempotency: IdempotentWrites,
    private readonly outbox: Outbox,
  ) {}

  /**
   * Once per idempotency key. A replay answers the stored comment without asking posts, so it
   * works while posts is down; a new comment asks (inside the transaction that holds the key,
   * so concurrent repeats wait for it instead of asking too).
   */
  create(r: CreateCommentRequest, key?: string): Promise<CommentRecord> {
    const request = { scope: r.author.id, key, operation: Subjects.comments.create, request: r };
    return this.idempotency.run(request, async (tx) => {
      if (!(await this.posts.exists(r.postId))) throw new MeshError(ErrorCodes.notFound, 'no such post');
      // posts may have deleted it since answering: its tombstone says so.
      if (!(await this.repo.lockLivePost(tx, r.postId))) throw new MeshError(ErrorCodes.notFound, 'no such post');
      const comment = await this.repo.insert(tx, {
        id: randomUUID(),
        postId: r.postId,
        authorId: r.author.id,
        authorUsername: r.author.username,
        authorDisplayName: r.author.displayName,
        text: r.text,
      });
      // The comment and its event commit together.
      await this.outbox.add(tx, Events.comments.created, {
        commentId: comment.id,
        postId: comment.postId,
        author: r.author,
        excerpt: excerptOf(comment.text),
      });
      return toCommentRecord(comment);
    });
  }

  /** No check that the post exists: an unknown post simply has no comments. */
  async list(r: ListCommentsRequest): Promise<CommentPage> {
    const after = r.cursor ? decodeCursor(r.cursor) : undefined;
    const rows = await this.repo.page({ postId: r.postId, after, limit: r.limit + 1 });
    // Bounded in bytes as well as items: the reply must fit NATS's max_payload (keysetPage).
    return keysetPage(rows.map(toCommentRecord), r.limit);
  }

  /** Once per idempotency key: a repeat of a delete that succeeded succeeds again (not 404). */
  delete(r: DeleteCommentRequest, key?: string): Promise<DeleteCommentReply> {
    const request = { scope: r.requesterId, key, operation: Subjects.comments.delete, request: r };
    return this.idempotency.run(request, async (tx) => {
      const outcome = await this.repo.deleteOwned(tx, r.id, r.requesterId);
      if (outcome === 'not_found') throw new MeshError(ErrorCodes.notFound, 'no such comment');
      if (outcome === 'forbidden') throw new MeshError(ErrorCodes.forbidden, 'only the author may delete a comment');
      const { deleted } = outcome;
      await this.outbox.add(tx, Events.comments.deleted, {
        commentId: r.id,
        postId: deleted.postId,
        author: { id: deleted.authorId, username: deleted.authorUsername, displayName: deleted.authorDisplayName },
      });
      return { deleted: true } as const;
    });
  }

  /** events.posts.deleted: the post's comments go with it (idempotent: see the repository). */
  async removePostComments(postId: string): Promise<void> {
    await this.repo.removePost(postId);
  }

  /** Every asked id is in the answer, 0 when it has no comments (or is no post at all). */
  async count(r: CountCommentsRequest): Promise<CommentCountsReply> {
    const found = r.postIds.length ? await this.repo.countByPost(r.postIds) : new Map<string, number>();
    const counts: Record<string, number> = {};
    for (const id of r.postIds) counts[id] = found.get(id) ?? 0;
    return { counts };
  }
}
