import type { LikeRecord } from '#contracts';
import type { LikeEntity } from './entities/like.entity.js';

export function toLikeRecord(l: LikeEntity): LikeRecord {
  return {
    user: { id: l.userId, username: l.username, displayName: l.displayName },
    createdAt: l.createdAt.toISOString(),
  };
}
