import type { MigrationInterface, QueryRunner } from 'typeorm';
import { Events } from '#contracts';
import { schemaOf } from '#persistence';

/**
 * events.identity.users.created is newer than the users of a deployment that predates it: this
 * enqueues one such event in the outbox for every user that exists now (signups from here on add
 * their own, in their transaction), so the projections built from the event (posts' known users,
 * which resolve mentions) learn every user, not only those who sign up later. The relay publishes
 * them like any other row; a consumer applies them idempotently. Runs once, like every migration.
 */
export class AnnounceExistingUsers1765152000300 implements MigrationInterface {
  name = 'AnnounceExistingUsers1765152000300';

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    // The payload is the event as Outbox.add would write it; its id is also the row's (Nats-Msg-Id).
    await q.query(
      `INSERT INTO ${s}.outbox (id, subject, payload, headers, created_at)
        SELECT u.event_id, $1, jsonb_build_object(
            'eventId', u.event_id,
            'occurredAt', to_char(u.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
            'user', jsonb_build_object('id', u.id, 'username', u.username, 'displayName', u.display_name)),
          '{}'::jsonb, clock_timestamp()
        FROM (SELECT gen_random_uuid() AS event_id, * FROM ${s}."user" ORDER BY created_at, id) u`,
      [Events.identity.usersCreated],
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM ${schemaOf(q)}.outbox WHERE subject = $1 AND published_at IS NULL`, [
      Events.identity.usersCreated,
    ]);
  }
}
