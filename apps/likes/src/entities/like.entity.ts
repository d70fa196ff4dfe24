import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One user's like of one post. The primary key is what makes a second like a no-op. */
@Entity({ name: 'like' })
@Index('IDX_like_post_created', ['postId', 'createdAt', 'userId'])
export class LikeEntity {
  /** A post of the posts service: no foreign key, services share no tables. */
  @PrimaryColumn('uuid', { name: 'post_id', primaryKeyConstraintName: 'PK_like' })
  postId: string;

  @PrimaryColumn('uuid', { name: 'user_id', primaryKeyConstraintName: 'PK_like' })
  userId: string;

  /** Snapshot of the liker at liking time, so a list of likes needs no call to identity. */
  @Column('varchar', { length: 32 })
  username: string;

  @Column('varchar', { name: 'display_name', length: 64 })
  displayName: string;

  /** Millisecond precision, so a cursor built from it in JavaScript round-trips exactly. */
  @Column({ type: 'timestamptz', name: 'created_at', precision: 3, default: () => 'now()' })
  createdAt: Date;
}
