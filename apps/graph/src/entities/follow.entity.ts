import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One user following another. Both users are snapshots (usernames never change). */
@Entity({ name: 'follow' })
export class FollowEntity {
  @PrimaryColumn('uuid', { name: 'follower_id', primaryKeyConstraintName: 'PK_follow' })
  followerId: string;

  @PrimaryColumn('uuid', { name: 'followee_id', primaryKeyConstraintName: 'PK_follow' })
  followeeId: string;

  @Column('varchar', { name: 'follower_username', length: 32 })
  followerUsername: string;

  @Column('varchar', { name: 'follower_display_name', length: 64 })
  followerDisplayName: string;

  @Column('varchar', { name: 'followee_username', length: 32 })
  followeeUsername: string;

  @Column('varchar', { name: 'followee_display_name', length: 64 })
  followeeDisplayName: string;

  /** The version of the change that made this follow (events.graph.followed carried it). */
  @Column('bigint', { name: 'version', default: 0 })
  version: string;

  /** Millisecond precision, so a cursor built from it in JavaScript round-trips exactly. */
  @Column({ type: 'timestamptz', name: 'created_at', precision: 3, default: () => 'now()' })
  createdAt: Date;
}
