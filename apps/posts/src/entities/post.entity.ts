import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

@Entity({ name: 'post' })
@Index('IDX_post_created', ['createdAt', 'id'])
@Index('IDX_post_author_created', ['authorUsername', 'createdAt', 'id'])
export class PostEntity {
  @PrimaryColumn('uuid', { primaryKeyConstraintName: 'PK_post' })
  id: string;

  @Column('uuid', { name: 'author_id' })
  authorId: string;

  /** Snapshot of the author at writing time (usernames never change). */
  @Column('varchar', { name: 'author_username', length: 32 })
  authorUsername: string;

  @Column('varchar', { name: 'author_display_name', length: 64 })
  authorDisplayName: string;

  @Column({ type: 'text' })
  text: string;

  @Column('uuid', { name: 'media_ids', array: true, default: () => "'{}'" })
  mediaIds: string[];

  /** The users its text mentions, as resolved when it was written ([] when none). */
  @Column('jsonb', { default: () => "'[]'::jsonb" })
  mentions: Array<{ id: string; username: string }>;

  /** Millisecond precision, so a cursor built from it in JavaScript round-trips exactly. */
  @Column({ type: 'timestamptz', name: 'created_at', precision: 3, default: () => 'now()' })
  createdAt: Date;
}
