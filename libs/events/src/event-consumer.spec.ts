import { describe, expect, it } from 'vitest';
import { consumerConfig, durableName, retryDelayMs } from './event-consumer.js';

describe('event consumer settings', () => {
  it('names one durable consumer per service and subject', () => {
    expect(durableName('comments', 'events.posts.deleted')).toBe('comments--events-posts-deleted');
  });

  it('doubles the retry delay per attempt, up to 30 s', () => {
    expect([1, 2, 3, 4].map((a) => retryDelayMs(a, 500))).toEqual([500, 1000, 2000, 4000]);
    expect(retryDelayMs(20, 500)).toBe(30_000);
  });

  it('acknowledges explicitly, and leaves counting attempts to the runner', () => {
    const s = { maxDeliver: 5, ackWaitMs: 10_000, retryBackoffMs: 500, concurrency: 16 };
    expect(consumerConfig('likes', 'events.posts.deleted', s)).toMatchObject({
      durable_name: 'likes--events-posts-deleted',
      filter_subject: 'events.posts.deleted',
      ack_policy: 'explicit',
      deliver_policy: 'all',
      ack_wait: 10_000_000_000,
      max_deliver: -1,
    });
  });
});
