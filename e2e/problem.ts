import { expect } from 'vitest';

/** The whole problem+json body docs/api.md promises, for `toEqual`. */
export const problem = (status: number, extra: Record<string, unknown> = {}) => ({
  type: expect.stringMatching(/^urn:failsoft:problem:/),
  title: expect.any(String),
  status,
  detail: expect.any(String),
  ...extra,
});
