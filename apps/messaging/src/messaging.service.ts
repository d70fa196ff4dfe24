// The rules of direct messages; no NATS, no SQL.
import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import {
  decodeCursor,
  keysetPage,
  ErrorCodes,
  MAX_CONVERSATIONS,
  MeshError,
  Subjects,
  type ConversationList,
  type ConversationRequest,
  type ConversationsRequest,
  type Message,
  type MessagePage,
  type SendMessageRequest,
} from '#contracts';
import { IdempotentWrites } from '#persistence';
import { IdentityClient } from './identity.client.js';
import { LivePublisher } from './live-publisher.js';
import { toMessage } from './message.mapper.js';
import { MessagingRepository } from './messaging.repository.js';

const toYourself = () =>
  new MeshError(ErrorCodes.invalid, 'The request is not valid.', [
    { field: 'to', message: 'you cannot send a message to yourself' },
  ]);

@Injectable()
export class MessagingService {
  constructor(
    private readonly repo: MessagingRepository,
    private readonly identity: IdentityClient,
    private readonly live: LivePublisher,
    private readonly idempotency: IdempotentWrites,
  ) {}

  /**
   * Stores the message once per idempotency key, then pushes it live to both sides (best-effort,
   * once committed). A replay answers the stored message without asking identity and without
   * pushing it a second time.
   */
  /**
   * The recipient, from identity; while identity cannot answer, from the messages this service
   * has already stored (a sender or recipient it has met). Someone it never met: still 503.
   */
  private async recipient(username: string): Promise<{ id: string; username: string; displayName: string }> {
    try {
      return await this.identity.lookup(username);
    } catch (err) {
      if (!(err instanceof MeshError && err.isUnavailability)) throw err;
      const known = await this.repo.knownUser(username);
      if (known) return known;
      throw err;
    }
  }

  async send(r: SendMessageRequest, key?: string): Promise<Message> {
    // Usernames are unique and never change: no need to ask identity to refuse this one.
    if (r.toUsername === r.from.username) throw toYourself();
    const request = { scope: r.from.id, key, operation: Subjects.messaging.send, request: r };
    return this.idempotency.run(request, async (tx) => {
      const to = await this.recipient(r.toUsername);
      if (to.id === r.from.id) throw toYourself();
      const stored = await this.repo.insert(tx, {
        id: randomUUID(),
        fromId: r.from.id,
        fromUsername: r.from.username,
        fromDisplayName: r.from.displayName,
        toId: to.id,
        toUsername: to.username,
        toDisplayName: to.displayName,
        text: r.text,
      });
      const message = toMessage(stored);
      tx.afterCommit(() => this.live.publishMessage(message));
      return message;
    });
  }

  /** Newest first. No identity call: an unknown username simply has no messages with the caller. */
  async conversation(r: ConversationRequest): Promise<MessagePage> {
    const after = r.cursor ? decodeCursor(r.cursor) : undefined;
    const otherId = await this.repo.counterpartId(r.userId, r.withUsername);
    if (!otherId) return { items: [], nextCursor: null };
    const rows = await this.repo.page({ a: r.userId, b: otherId, after, limit: r.limit + 1 });
    // Bounded in bytes as well as items: the reply must fit NATS's max_payload (keysetPage).
    return keysetPage(rows.map(toMessage), r.limit);
  }

  async conversations(r: ConversationsRequest): Promise<ConversationList> {
    const latest = await this.repo.latestPerConversation(r.userId, MAX_CONVERSATIONS);
    return {
      items: latest.map((m) => {
        const message = toMessage(m);
        return { with: message.from.id === r.userId ? message.to : message.from, lastMessage: message };
      }),
    };
  }
}
