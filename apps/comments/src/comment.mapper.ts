import type { CommentRecord } from '#contracts';
import type { CommentEntity } from './entities/comment.entity.js';

export function toCommentRecord(c: CommentEntity): CommentRecord {
  return {
    id: c.id,
    postId: c.postId,
    author: { id: c.authorId, username: c.authorUsername, displayName: c.authorDisplayName },
    text: c.text,
    createdAt: c.createdAt.toISOString(),
  };
}
