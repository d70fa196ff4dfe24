// The home feed and follows in a real browser (playwright-core on Debian's chromium) against a
// real mesh: a person follows another from their profile (the counts change), sees that person's
// posts under Home and not a stranger's, unfollows; and with feed taken away (SIGTERM by pid) the
// Home page says the feed is being built another way, then heals by itself once feed is back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  http,
  launchBrowser,
  recordCspViolations,
  scaleToZero,
  screenshot,
  startTestMesh,
  type TestMesh,
} from '#testing';

const WAIT = { timeout: 10_000 };
let mesh: TestMesh;
let url: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let violations: string[];
const pageErrors: string[] = [];
let writer: { token: string };
let stranger: { token: string };

async function signupApi(username: string): Promise<{ token: string }> {
  const res = await http(url, 'POST', '/auth/signup', { body: { username, password: 'home web password' } });
  expect(res.status).toBe(201);
  return res.body;
}
const post = async (who: { token: string }, text: string): Promise<string> => {
  const res = await http(url, 'POST', '/posts', { token: who.token, body: { text } });
  expect(res.status).toBe(201);
  return res.body.id;
};
const card = (id: string) => page.locator(`article[data-post-id="${id}"]`);
const homeLink = () => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Home', exact: true });

beforeAll(async () => {
  mesh = await startTestMesh({
    replicas: { identity: 1, posts: 1, comments: 1, likes: 1, graph: 1, feed: 1 },
    joinTimeoutMs: 40_000,
  });
  url = mesh.edgeUrl;
  writer = await signupApi('writer_webhome');
  stranger = await signupApi('stranger_webhome');
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
  context.setDefaultTimeout(10_000);
  violations = await recordCspViolations(context);
  page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(`${err.name}: ${err.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of (503|401)/.test(m.text())) pageErrors.push(m.text().slice(0, 600));
  });
  await page.goto(`${url}/#/signup`);
  await page.getByLabel('Username').fill('reader_webhome');
  await page.getByLabel('Password').fill('home web password');
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.getByRole('button', { name: 'Sign out @reader_webhome' }).waitFor(WAIT);
}, 120_000);

afterAll(async () => {
  await context?.close().catch(() => undefined);
  await browser?.close();
  await mesh?.stop();
}, 60_000);

describe('follows and the home feed in the browser', () => {
  it("follows from a profile: the button and the counts change, and the followee's posts are under Home", async () => {
    const theirs = await post(writer, 'for my followers');
    const notMine = await post(stranger, 'nobody follows me');
    await page.goto(`${url}/#/u/writer_webhome`);
    await expect.poll(() => page.getByTestId('follow-counts').innerText(), WAIT).toBe('0 followers · 0 following');
    await page.getByRole('button', { name: 'Follow', exact: true }).click();
    await page.getByRole('button', { name: 'Unfollow', exact: true }).waitFor(WAIT);
    expect(await page.getByTestId('follow-counts').innerText()).toBe('1 followers · 0 following');
    await homeLink().click();
    await page.getByRole('heading', { name: 'Home' }).waitFor(WAIT);
    await card(theirs).waitFor(WAIT);
    expect(await card(notMine).count()).toBe(0);
    expect(await homeLink().getAttribute('aria-current')).toBe('page');
    await screenshot(page, 'home-feed');
  });

  it('says the feed is being built another way while feed is down, and heals by itself', async () => {
    await page.goto(`${url}/#/home`);
    await page.getByRole('heading', { name: 'Home' }).waitFor(WAIT);
    await scaleToZero(mesh, 'feed');
    await page.reload();
    await expect
      .poll(() => page.locator('.timeline-status').innerText(), WAIT)
      .toMatch(/^Your feed is being built from the people you follow right now/);
    expect(await page.locator('article[data-post-id]').count()).toBeGreaterThan(0);
    await mesh.addReplica('feed');
    await expect.poll(() => page.locator('.timeline-status').innerText(), { timeout: 15_000 }).toBe('');
  });

  it("unfollows: the followee's posts leave Home", async () => {
    const later = await post(writer, 'after the unfollow');
    await page.goto(`${url}/#/u/writer_webhome`);
    await page.getByRole('button', { name: 'Unfollow', exact: true }).click();
    await page.getByRole('button', { name: 'Follow', exact: true }).waitFor(WAIT);
    await page.goto(`${url}/#/home`);
    await page.getByRole('heading', { name: 'Home' }).waitFor(WAIT);
    await expect.poll(() => card(later).count(), WAIT).toBe(0);
    await page.getByText('Nothing here yet: follow people to see their posts.').waitFor(WAIT);
  });

  it('threw no page error and ran under the CSP without a violation', () => {
    expect(pageErrors).toEqual([]);
    expect(violations).toEqual([]);
  });
});
