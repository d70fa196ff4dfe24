import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** No foreign key to the post: posts live in another service's schema. */
@Entity({ name: 'comment' })
@Index('IDX_comment_post_created', ['postId', 'createdAt', 'id'])
export class CommentEntity {
  @PrimaryColumn('uuid', { primaryKeyConstraintName: 'PK_comment' })
  id: string;

  @Column('uuid', { name: 'post_id' })
  postId: string;

  @Column('uuid', { name: 'author_id' })
  authorId: string;

  /** Snapshot of the author at writing time (usernames never change). */
  @Column('varchar', { name: 'author_username', length: 32 })
  authorUsername: string;

  @Column('varchar', { name: 'author_display_name', length: 64 })
  authorDisplayName: string;

  @Column({ type: 'text' })
  text: string;

  /** Millisecond precision, so a cursor built from it in JavaScript round-trips exactly. */
  @Column({ type: 'timestamptz', name: 'created_at', precision: 3, default: () => 'now()' })
  createdAt: Date;
}
