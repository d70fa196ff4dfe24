import type { OpenAPIObject } from '@nestjs/swagger';
import { describe, expect, it } from 'vitest';
import { FailSoftMatrix } from '../fail-soft/route-dependencies.js';
import { annotateFailSoft } from './openapi.js';

/** An OpenAPI document with one operation per declared route, as the edge serves them. */
function docOf(routes: string[]): OpenAPIObject {
  const paths: Record<string, Record<string, object>> = {};
  for (const r of routes) {
    const [method, path] = r.split(' ');
    const p = path.replace(/:(\w+)/g, '{$1}');
    paths[p] = { ...paths[p], [method.toLowerCase()]: { responses: {} } };
  }
  return { openapi: '3.0.0', info: { title: 't', version: '1' }, paths };
}

describe('the fail-soft matrix in the OpenAPI document', () => {
  it('puts each route entry on its operation', () => {
    const doc = docOf(Object.keys(FailSoftMatrix));
    annotateFailSoft(doc);
    expect(doc.paths['/posts']?.get).toMatchObject({
      'x-fail-soft': { needs: ['posts'], degrades: ['likes', 'comments', 'media', 'graph'] },
    });
    expect(doc.paths['/posts']?.post).toMatchObject({
      'x-fail-soft': { needs: ['posts'], needsWhen: { media: expect.any(String) } },
    });
  });

  it('refuses a served route that is not declared, and a declared one that is not served', () => {
    const routes = Object.keys(FailSoftMatrix).filter((r) => r !== 'GET /conversations');
    expect(() => annotateFailSoft(docOf([...routes, 'GET /secrets']))).toThrow(
      /undeclared routes \[GET \/secrets\]; declared but not served \[GET \/conversations\]/,
    );
  });
});
