import type { Message } from '#contracts';
import type { MessageEntity } from './entities/message.entity.js';

export function toMessage(m: MessageEntity): Message {
  return {
    id: m.id,
    from: { id: m.fromId, username: m.fromUsername, displayName: m.fromDisplayName },
    to: { id: m.toId, username: m.toUsername, displayName: m.toDisplayName },
    text: m.text,
    createdAt: m.createdAt.toISOString(),
  };
}
