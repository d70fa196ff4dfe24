import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One registered image: its original and thumbnail live in the object store, this row says what they are. */
@Entity({ name: 'media' })
@Index('IDX_media_owner', ['ownerId'])
export class MediaEntity {
  @PrimaryColumn('uuid', { primaryKeyConstraintName: 'PK_media' })
  id: string;

  /** A user of identity: no foreign key, services share no tables. */
  @Column('uuid', { name: 'owner_id' })
  ownerId: string;

  /** Judged from the bytes, never from what the client declared. */
  @Column('varchar', { name: 'content_type', length: 32 })
  contentType: string;

  /** As displayed, i.e. after the EXIF orientation. */
  @Column('int')
  width: number;

  @Column('int')
  height: number;

  @Column('int')
  bytes: number;

  /** sha-256 hex of the original's bytes. */
  @Column('char', { length: 64 })
  etag: string;

  @Column('varchar', { name: 'thumb_content_type', length: 32 })
  thumbContentType: string;

  @Column('int', { name: 'thumb_bytes' })
  thumbBytes: number;

  @Column('char', { name: 'thumb_etag', length: 64 })
  thumbEtag: string;

  @Column({ type: 'timestamptz', name: 'created_at', precision: 3, default: () => 'now()' })
  createdAt: Date;

  /** Set when the last live post using it was deleted; its objects are gone then. */
  @Column({ type: 'timestamptz', name: 'deleted_at', nullable: true })
  deletedAt?: Date | null;
}
