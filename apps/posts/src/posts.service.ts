// The rules of posts; no NATS, no SQL.
import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import {
  decodeCursor,
  keysetPage,
  withinBudget,
  ErrorCodes,
  excerptOf,
  Events,
  MeshError,
  Subjects,
  type CreatePostRequest,
  type DeletePostReply,
  type DeletePostRequest,
  type GetPostsRequest,
  type PostList,
  type ListPostsRequest,
  type PostPage,
  type PostRecord,
} from '#contracts';
import { IdempotentWrites } from '#persistence';
import { Outbox } from '#events';
import { PostsRepository } from './posts.repository.js';
import { toPostRecord } from './post.mapper.js';

@Injectable()
export class PostsService {
  constructor(
    private readonly repo: PostsRepository,
    private readonly idempotency: IdempotentWrites,
    private readonly outbox: Outbox,
  ) {}

  /**
   * Once per idempotency key: a repeat answers the same post. The post, its key and its
   * events.posts.created commit together.
   */
  create(r: Required<CreatePostRequest>, key?: string): Promise<PostRecord> {
    const request = { scope: r.author.id, key, operation: Subjects.posts.create, request: r };
    return this.idempotency.run(request, async (tx) => {
      const post = await this.repo.insert(tx, {
        id: randomUUID(),
        authorId: r.author.id,
        authorUsername: r.author.username,
        authorDisplayName: r.author.displayName,
        text: r.text,
        mediaIds: r.mediaIds,
      });
      await this.outbox.add(tx, Events.posts.created, {
        postId: post.id,
        authorId: post.authorId,
        mediaIds: post.mediaIds ?? [],
        createdAt: post.createdAt.toISOString(),
        author: r.author,
        excerpt: excerptOf(post.text),
      });
      return toPostRecord(post);
    });
  }

  async get(id: string): Promise<PostRecord> {
    const post = await this.repo.findById(id);
    if (!post) throw new MeshError(ErrorCodes.notFound, 'no such post');
    return toPostRecord(post);
  }

  /** Those of the ids that exist, in the order asked (a deleted post is simply left out). */
  async getMany(r: GetPostsRequest): Promise<PostList> {
    if (r.ids.length === 0) return { items: [], complete: true };
    const found = new Map((await this.repo.findByIds(r.ids)).map((p) => [p.id, p]));
    const all = r.ids.flatMap((id) => found.get(id.toLowerCase()) ?? []).map(toPostRecord);
    // The same byte budget as a page: a prefix that fits max_payload, never none.
    const items = withinBudget(all);
    return { items, complete: items.length === all.length };
  }

  async list(r: ListPostsRequest): Promise<PostPage> {
    const after = r.cursor ? decodeCursor(r.cursor) : undefined;
    // No authors followed: nothing to ask the database.
    if (r.authorIds?.length === 0) return { items: [], nextCursor: null };
    const rows = await this.repo.page({ authorUsername: r.author, authorIds: r.authorIds, after, limit: r.limit + 1 });
    // Bounded in bytes as well as items: the reply must fit NATS's max_payload (keysetPage).
    return keysetPage(rows.map(toPostRecord), r.limit);
  }

  /**
   * Once per idempotency key: a repeat of a delete that succeeded succeeds again (not 404). The
   * delete, its key and its events.posts.deleted (which takes the post's comments, likes and
   * media references with it) commit together.
   */
  delete(r: DeletePostRequest, key?: string): Promise<DeletePostReply> {
    const request = { scope: r.requesterId, key, operation: Subjects.posts.delete, request: r };
    return this.idempotency.run(request, async (tx) => {
      const result = await this.repo.deleteOwned(tx, r.id, r.requesterId);
      if (result === 'not_found') throw new MeshError(ErrorCodes.notFound, 'no such post');
      if (result === 'forbidden') throw new MeshError(ErrorCodes.forbidden, 'only the author may delete a post');
      const { post } = result;
      await this.outbox.add(tx, Events.posts.deleted, {
        postId: post.id,
        authorId: post.authorId,
        mediaIds: post.mediaIds ?? [],
      });
      return { deleted: true } as const;
    });
  }
}
