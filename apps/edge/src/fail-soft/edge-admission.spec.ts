import { describe, expect, it } from 'vitest';
import { countedByAdmission } from './edge-admission.js';

describe('countedByAdmission', () => {
  it('counts the API by its first path segment, query or not', () => {
    for (const url of [
      '/posts',
      '/posts?limit=20',
      '/posts/abc/like',
      '/timeline/home?limit=20',
      '/users/ann/follow',
      '/media/x',
    ])
      expect(countedByAdmission('GET', url)).toBe(true);
    expect(countedByAdmission('PUT', '/posts/abc/like')).toBe(true);
  });

  it('leaves out health, events, auth, the web client, preflights and look-alike segments', () => {
    for (const url of ['/health/ready', '/events', '/auth/login', '/', '/index.html', '/postsx', '/post', '?posts', ''])
      expect(countedByAdmission('GET', url)).toBe(false);
    expect(countedByAdmission('OPTIONS', '/posts')).toBe(false);
  });
});
