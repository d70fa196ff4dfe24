import type { PostRecord } from '#contracts';
import type { PostEntity } from './entities/post.entity.js';

export function toPostRecord(p: PostEntity): PostRecord {
  return {
    id: p.id,
    author: { id: p.authorId, username: p.authorUsername, displayName: p.authorDisplayName },
    text: p.text,
    mediaIds: p.mediaIds ?? [],
    mentions: (p.mentions ?? []).map((m) => ({ id: m.id, username: m.username })),
    createdAt: p.createdAt.toISOString(),
  };
}
