import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '#persistence';

// Notifications and what they are built from. Every table but `notification` and `read_marker`
// is a projection of other services' events, so that events of separate subjects (separate
// consumers) may arrive in either order: the post (its author, for likes and comments), each
// like's and follow's latest state by version, each comment (or its tombstone), and the events
// already handled (a redelivered event changes nothing).
export class CreateNotifications1765238400100 implements MigrationInterface {
  name = 'CreateNotifications1765238400100';

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    // One row per thing told: `group_key` is what makes it one (like:<post> groups a post's likes).
    // `seq` orders a user's list (newest first) and the read marker; a like group draws a new one
    // with each new like, so it moves up and is unread again.
    await q.query(`
      CREATE TABLE ${s}.notification (
        id uuid NOT NULL,
        recipient_id uuid NOT NULL,
        type varchar(16) NOT NULL,
        group_key varchar(64) NOT NULL,
        actor jsonb NOT NULL,
        actors jsonb,
        count integer,
        last_version bigint,
        post_id uuid,
        post_excerpt text,
        comment_id uuid,
        comment_excerpt text,
        seq bigint NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT "PK_notification" PRIMARY KEY (id),
        CONSTRAINT "UQ_notification_recipient_group" UNIQUE (recipient_id, group_key)
      )`);
    await q.query(`CREATE INDEX "IDX_notification_recipient_seq" ON ${s}.notification (recipient_id, seq DESC)`);
    await q.query(`CREATE INDEX "IDX_notification_post" ON ${s}.notification (post_id) WHERE post_id IS NOT NULL`);
    await q.query(`CREATE SEQUENCE ${s}.notification_seq`);
    // Everything with seq <= up_to is read.
    await q.query(`
      CREATE TABLE ${s}.read_marker (
        user_id uuid NOT NULL,
        up_to bigint NOT NULL,
        CONSTRAINT "PK_read_marker" PRIMARY KEY (user_id)
      )`);
    await q.query(`
      CREATE TABLE ${s}.processed_event (
        event_id uuid NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "PK_processed_event" PRIMARY KEY (event_id)
      )`);
    // A deleted post stays as a tombstone (deleted = true): a created event handled later adds nothing.
    await q.query(`
      CREATE TABLE ${s}.post_ref (
        post_id uuid NOT NULL,
        author_id uuid NOT NULL,
        excerpt text,
        deleted boolean NOT NULL DEFAULT false,
        CONSTRAINT "PK_post_ref" PRIMARY KEY (post_id)
      )`);
    await q.query(`
      CREATE TABLE ${s}.like_state (
        post_id uuid NOT NULL,
        user_id uuid NOT NULL,
        liked boolean NOT NULL,
        version bigint NOT NULL,
        actor jsonb NOT NULL,
        CONSTRAINT "PK_like_state" PRIMARY KEY (post_id, user_id)
      )`);
    await q.query(`
      CREATE TABLE ${s}.follow_state (
        follower_id uuid NOT NULL,
        followee_id uuid NOT NULL,
        following boolean NOT NULL,
        version bigint NOT NULL,
        CONSTRAINT "PK_follow_state" PRIMARY KEY (follower_id, followee_id)
      )`);
    // A deleted comment stays as a tombstone: a created event handled later adds nothing.
    await q.query(`
      CREATE TABLE ${s}.comment_state (
        comment_id uuid NOT NULL,
        post_id uuid NOT NULL,
        author jsonb NOT NULL,
        excerpt text,
        deleted boolean NOT NULL DEFAULT false,
        CONSTRAINT "PK_comment_state" PRIMARY KEY (comment_id)
      )`);
    await q.query(`CREATE INDEX "IDX_comment_state_post" ON ${s}.comment_state (post_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    for (const t of ['comment_state', 'follow_state', 'like_state', 'post_ref', 'processed_event', 'read_marker']) {
      await q.query(`DROP TABLE ${s}.${t}`);
    }
    await q.query(`DROP SEQUENCE ${s}.notification_seq`);
    await q.query(`DROP TABLE ${s}.notification`);
  }
}
