// Security headers on every kind of answer the edge gives — an API route, a problem, the web
// client, the board, Swagger UI at /docs — and, in a real browser, that the pages work under the
// Content-Security-Policy (no violation) while it does refuse what it is there to refuse: an
// injected inline script or inline handler, being framed. Before, none of these headers was sent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { http, launchBrowser, recordCspViolations, startTestMesh, type TestMesh } from '#testing';

const APP_CSP =
  "default-src 'self';script-src 'self';script-src-attr 'none';style-src 'self';img-src 'self' blob:;" +
  "font-src 'self';connect-src 'self';object-src 'none';base-uri 'none';form-action 'self';frame-ancestors 'none'";
const DOCS_CSP =
  "default-src 'self';script-src 'self';script-src-attr 'none';style-src 'self' 'unsafe-inline';" +
  "img-src 'self' data:;font-src 'self';connect-src 'self';object-src 'none';base-uri 'none';form-action 'self';" +
  "frame-ancestors 'none'";

let mesh: TestMesh;
let url: string;
let browser: Browser;
const contexts: BrowserContext[] = [];

/** The headers this is about, as one object to compare whole. */
const security = (h: Headers) => ({
  csp: h.get('content-security-policy'),
  nosniff: h.get('x-content-type-options'),
  frame: h.get('x-frame-options'),
  referrer: h.get('referrer-policy'),
  opener: h.get('cross-origin-opener-policy'),
  resource: h.get('cross-origin-resource-policy'),
  xss: h.get('x-xss-protection'),
});
const expected = (csp: string) => ({
  csp,
  nosniff: 'nosniff',
  frame: 'DENY',
  referrer: 'no-referrer',
  opener: 'same-origin',
  resource: 'same-origin',
  xss: '0',
});

async function open(path: string, base = url): Promise<{ page: Page; violations: string[]; errors: string[] }> {
  const context = await browser.newContext();
  context.setDefaultTimeout(10_000);
  contexts.push(context);
  const violations = await recordCspViolations(context);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`${err.name}: ${err.message}`));
  page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text().slice(0, 300))));
  await page.goto(base + path);
  return { page, violations, errors };
}

beforeAll(async () => {
  mesh = await startTestMesh({ replicas: { identity: 1, posts: 1 } });
  url = mesh.edgeUrl;
  browser = await launchBrowser();
}, 120_000);
afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await mesh?.stop();
}, 60_000);

describe('security headers', () => {
  it('on API answers: a read, a problem, the OpenAPI document', async () => {
    const read = await http(url, 'GET', '/posts');
    expect(read.status).toBe(200);
    expect(security(read.headers)).toEqual(expected(APP_CSP));
    const bad = await http(url, 'GET', '/posts/not-a-uuid');
    expect(bad.status).toBe(400);
    expect(security(bad.headers)).toEqual(expected(APP_CSP));
    const unknown = await http(url, 'GET', '/no-such-route');
    expect(unknown.status).toBe(404);
    expect(security(unknown.headers)).toEqual(expected(APP_CSP));
    const doc = await http(url, 'GET', '/openapi.json');
    expect(doc.status).toBe(200);
    expect(security(doc.headers)).toEqual(expected(APP_CSP));
  });

  it('on the web client, the board (on the admin port), /mesh, /metrics and their assets', async () => {
    const admin = mesh.adminUrl;
    for (const href of [`${url}/`, `${url}/favicon.svg`, `${admin}/`, `${admin}/favicon.svg`, `${admin}/mesh`]) {
      const res = await fetch(href);
      expect(res.status, href).toBe(200);
      expect(security(res.headers), href).toEqual(expected(APP_CSP));
    }
  });

  it("on /docs, Swagger UI's own policy: inline styles and data: images, scripts still only 'self'", async () => {
    for (const path of ['/docs', '/docs/swagger-ui-init.js']) {
      const res = await fetch(url + path);
      expect(res.status, path).toBe(200);
      expect(security(res.headers), path).toEqual(expected(DOCS_CSP));
    }
  });
});

describe('in a browser, under the policy', () => {
  it('the web client renders with no violation', async () => {
    const { page, violations, errors } = await open('/#/signin');
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.goto(`${url}/#/`);
    await page.locator('main').waitFor();
    expect(violations).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('the board renders with no violation', async () => {
    const { page, violations, errors } = await open('/', mesh.adminUrl);
    await page.locator('tr[data-service="posts"]').waitFor();
    expect(violations).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('Swagger UI renders its operations with no violation', async () => {
    const { page, violations, errors } = await open('/docs');
    await page.locator('.opblock').first().waitFor();
    expect(await page.locator('.opblock').count()).toBeGreaterThan(10);
    expect(violations).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('refuses what an XSS would inject into the client — a script element, an inline handler — and reports each', async () => {
    const { page, violations } = await open('/#/signin');
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.evaluate(() => {
      const doc = (globalThis as any).document;
      const s = doc.createElement('script');
      s.textContent = 'globalThis.__injected = "script"';
      doc.body.append(s);
      const div = doc.createElement('div');
      div.innerHTML = '<img src="/no-such-image" onerror="globalThis.__injected = \'handler\'">';
      doc.body.append(div);
    });
    await expect
      .poll(() => violations.map((v) => v.split(' ').slice(0, 2).join(' ')).sort())
      .toEqual(['script-src-attr inline', 'script-src-elem inline']);
    expect(await page.evaluate(() => (globalThis as any).__injected ?? null)).toBeNull();
  });

  it('cannot be framed by another page', async () => {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    await page.setContent(`<iframe src="${url}/#/signin" width="400" height="300"></iframe>`);
    const frame = page.frames()[1];
    await expect.poll(() => frame.url(), { timeout: 10_000 }).toMatch(/^chrome-error:/);
  });
});
