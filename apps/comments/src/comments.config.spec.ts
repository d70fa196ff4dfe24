import { describe, expect, it } from 'vitest';
import { loadCommentsConfig } from './comments.config.js';

describe('loadCommentsConfig', () => {
  it('defaults the schema and the posts deadline', () => {
    const c = loadCommentsConfig({});
    expect([c.COMMENTS_DB_SCHEMA, c.POSTS_TIMEOUT_MS]).toEqual(['comments', 500]);
  });

  it('reads the posts deadline as a number', () => {
    expect(loadCommentsConfig({ POSTS_TIMEOUT_MS: '250' }).POSTS_TIMEOUT_MS).toBe(250);
  });

  it('refuses a schema name that is not an identifier and a deadline that is not a whole number', () => {
    expect(() => loadCommentsConfig({ COMMENTS_DB_SCHEMA: 'a"; drop' })).toThrow(/COMMENTS_DB_SCHEMA/);
    expect(() => loadCommentsConfig({ POSTS_TIMEOUT_MS: 'soon' })).toThrow(/POSTS_TIMEOUT_MS/);
    expect(() => loadCommentsConfig({ POSTS_TIMEOUT_MS: '0' })).toThrow(/POSTS_TIMEOUT_MS/);
  });
});
