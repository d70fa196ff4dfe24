import { describe, expect, it } from 'vitest';
import { lagByService, lagTrend, type BoardConsumer } from './consumer-lag';

const c = (service: string, subject: string, pending: number, inFlight: number, history: number[]): BoardConsumer => ({
  consumer: `${service}--${subject.replace(/\./g, '-')}`,
  service,
  subject,
  pending,
  inFlight,
  oldestUnackedSeconds: pending + inFlight > 0 ? 3 : 0,
  history,
  readAt: '2026-01-01T00:00:00.000Z',
  error: null,
});

describe('lagTrend', () => {
  it('is the change from the oldest reading kept to the newest', () => {
    expect(lagTrend([0, 4, 9])).toEqual({ trend: 'rising', change: 9 });
    expect(lagTrend([9, 12, 2])).toEqual({ trend: 'draining', change: -7 });
    expect(lagTrend([3, 8, 3])).toEqual({ trend: 'steady', change: 0 });
    expect(lagTrend([5])).toEqual({ trend: 'steady', change: 0 });
    expect(lagTrend([])).toEqual({ trend: 'steady', change: 0 });
  });
});

describe('lagByService', () => {
  const consumers = [
    c('media', 'events.posts.created', 0, 0, [0, 0]),
    c('feed', 'events.posts.created', 7, 1, [0, 3, 8]),
    c('feed', 'events.graph.followed', 2, 0, [1, 2]),
  ];

  it("sums a service's durables, aligns their histories on the newest reading, and keeps the layout's order", () => {
    const [media, feed] = lagByService(consumers, new Set());
    expect(media).toMatchObject({ service: 'media', pending: 0, inFlight: 0, trend: 'steady', piling: false });
    // feed's histories [0,3,8] and [1,2] sum newest-aligned to [0+1, 3+1, 8+2].
    expect(feed).toMatchObject({
      service: 'feed',
      pending: 9,
      inFlight: 1,
      oldestUnackedSeconds: 3,
      trend: 'rising',
      change: 9,
      piling: false,
      error: null,
    });
    expect(feed.consumers.map((x) => x.subject)).toEqual(['events.posts.created', 'events.graph.followed']);
  });

  it('says a service piles up only when it is down and has a backlog', () => {
    const down = new Set(['feed', 'media']);
    expect(lagByService(consumers, down).map((s) => [s.service, s.piling])).toEqual([
      ['media', false],
      ['feed', true],
    ]);
  });

  it("carries a failed reading's reason", () => {
    const failing = { ...c('likes', 'events.posts.deleted', 0, 0, []), error: 'timeout' };
    expect(lagByService([failing], new Set())[0]).toMatchObject({ error: 'timeout', trend: 'steady' });
  });
});
