// The rules of posts; no NATS, no SQL.
import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import {
  decodeCursor,
  encodeCursor,
  keysetPage,
  withinBudget,
  ErrorCodes,
  excerptOf,
  Events,
  MAX_MENTIONS,
  MeshError,
  Subjects,
  type CreatePostRequest,
  type DeletePostReply,
  type DeletePostRequest,
  type EventOf,
  type GetPostsRequest,
  type PostList,
  type ListPostsRequest,
  type PostPage,
  type PostMention,
  type PostRecord,
  type ScanPostsReply,
  type ScanPostsRequest,
} from '#contracts';
import { IdempotentWrites, type WriteTransaction } from '#persistence';
import { Outbox } from '#events';
import { PostsRepository } from './posts.repository.js';
import { toPostRecord } from './post.mapper.js';
import { parseMentions } from './mention-parser.js';

@Injectable()
export class PostsService {
  constructor(
    private readonly repo: PostsRepository,
    private readonly idempotency: IdempotentWrites,
    private readonly outbox: Outbox,
  ) {}

  /**
   * Once per idempotency key: a repeat answers the same post. The post, its key and its
   * events.posts.created commit together. Its `@username` mentions are resolved against posts'
   * own projection of users (never a call to identity): an unknown name stays plain text.
   */
  create(r: Required<CreatePostRequest>, key?: string): Promise<PostRecord> {
    const request = { scope: r.author.id, key, operation: Subjects.posts.create, request: r };
    return this.idempotency.run(request, async (tx) => {
      const mentions = await this.resolveMentions(tx, r.text);
      const post = await this.repo.insert(tx, {
        id: randomUUID(),
        authorId: r.author.id,
        authorUsername: r.author.username,
        authorDisplayName: r.author.displayName,
        text: r.text,
        mediaIds: r.mediaIds,
        mentions,
      });
      await this.outbox.add(tx, Events.posts.created, {
        postId: post.id,
        authorId: post.authorId,
        mediaIds: post.mediaIds ?? [],
        createdAt: post.createdAt.toISOString(),
        mentions,
        author: r.author,
        excerpt: excerptOf(post.text),
      });
      return toPostRecord(post);
    });
  }

  /** events.identity.users.created: one more user a mention can name (idempotent). */
  async userCreated(e: EventOf<'events.identity.users.created'>): Promise<void> {
    await this.repo.rememberUser({ id: e.user.id, username: e.user.username });
  }

  /**
   * The known users the text mentions, in order of first mention, at most MAX_MENTIONS (the
   * author too, when they name themselves: consumers that must not act on it skip it).
   */
  private async resolveMentions(tx: WriteTransaction, text: string): Promise<PostMention[]> {
    const names = parseMentions(text);
    if (names.length === 0) return [];
    const known = new Map((await this.repo.knownUsersNamed(tx, names)).map((u) => [u.username, u]));
    return names.flatMap((n) => known.get(n) ?? []).slice(0, MAX_MENTIONS);
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
    const rows = await this.repo.page({
      authorUsername: r.author,
      authorIds: r.authorIds,
      mentioning: r.mentioning,
      after,
      limit: r.limit + 1,
    });
    // Bounded in bytes as well as items: the reply must fit NATS's max_payload (keysetPage).
    return keysetPage(rows.map(toPostRecord), r.limit);
  }

  /** Every post, oldest first, as references (the feed rebuild pages through them all). */
  async scan(r: ScanPostsRequest): Promise<ScanPostsReply> {
    const after = r.cursor ? decodeCursor(r.cursor) : undefined;
    const items = await this.repo.scan({ after, limit: r.limit });
    const last = items[items.length - 1];
    const nextCursor =
      items.length === r.limit && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null;
    return { items, nextCursor };
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
