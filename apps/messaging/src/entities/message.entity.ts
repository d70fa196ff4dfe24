import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One direct message. A conversation is the unordered pair (from, to): the migration adds it as
 * stored generated columns pair_lo/pair_hi (LEAST/GREATEST of the ids, indexed with created_at
 * and id), written by PostgreSQL and read only in WHERE clauses, so not mapped here.
 * Sender and recipient are snapshots (usernames never change), so reads need no identity call.
 */
@Entity({ name: 'message' })
export class MessageEntity {
  @PrimaryColumn('uuid', { primaryKeyConstraintName: 'PK_message' })
  id: string;

  @Column('uuid', { name: 'from_id' })
  fromId: string;

  @Column('varchar', { name: 'from_username', length: 32 })
  fromUsername: string;

  @Column('varchar', { name: 'from_display_name', length: 64 })
  fromDisplayName: string;

  @Column('uuid', { name: 'to_id' })
  toId: string;

  @Column('varchar', { name: 'to_username', length: 32 })
  toUsername: string;

  @Column('varchar', { name: 'to_display_name', length: 64 })
  toDisplayName: string;

  @Column({ type: 'text' })
  text: string;

  /** Millisecond precision, so a cursor built from it in JavaScript round-trips exactly. */
  @Column({ type: 'timestamptz', name: 'created_at', precision: 3, default: () => 'now()' })
  createdAt: Date;
}
