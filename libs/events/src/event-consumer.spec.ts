import { describe, expect, it } from 'vitest';
import { durableName, EventConsumers } from '#contracts';
import { retryDelayMs } from './event-consumer.js';
import { consumerConfig } from './provision.js';

describe('event consumer settings', () => {
  it('names one durable consumer per service and subject', () => {
    expect(durableName('comments', 'events.posts.deleted')).toBe('comments--events-posts-deleted');
  });

  it('doubles the retry delay per attempt, up to 30 s', () => {
    expect([1, 2, 3, 4].map((a) => retryDelayMs(a, 500))).toEqual([500, 1000, 2000, 4000]);
    expect(retryDelayMs(20, 500)).toBe(30_000);
  });

  it('acknowledges explicitly, and leaves counting attempts to the runner', () => {
    const likes = EventConsumers.find((c) => c.owner === 'likes')!;
    expect(consumerConfig(likes, { ackWaitMs: 10_000 })).toMatchObject({
      durable_name: 'likes--events-posts-deleted',
      filter_subject: 'events.posts.deleted',
      ack_policy: 'explicit',
      deliver_policy: 'all',
      ack_wait: 10_000_000_000,
      max_deliver: -1,
    });
  });
});
