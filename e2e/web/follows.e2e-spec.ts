// Following in a real browser (playwright-core on Debian's chromium) against a real mesh: `#/` is
// Everyone for an anonymous visitor and Home once signed in, with the Everyone tab a click away;
// Follow beside a post's author changes every post of that author at once and brings their posts
// into Home; a follower list pages with "More" and follows from its rows; and with graph taken
// away (SIGTERM by pid) the list says follower lists are unavailable, then fills in by itself once
// graph is back. (Mentions as links: mention-parts.spec.ts, and in a browser notifications.e2e-spec.ts.)
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
const FANS = 11; // one more than a page of the list (FOLLOW_PAGE_SIZE)
let mesh: TestMesh;
let url: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let violations: string[];
const pageErrors: string[] = [];
let author: { token: string };
let stranger: { token: string };
let authorPosts: string[];
let strangerPost: string;

async function signupApi(username: string): Promise<{ token: string; user: { id: string } }> {
  const res = await http(url, 'POST', '/auth/signup', { body: { username, password: 'follow web password' } });
  expect(res.status).toBe(201);
  return res.body;
}
const post = async (who: { token: string }, text: string): Promise<string> => {
  const res = await http(url, 'POST', '/posts', { token: who.token, body: { text } });
  expect(res.status).toBe(201);
  return res.body.id;
};
const followersOf = async (username: string): Promise<string[]> => {
  const res = await http(url, 'GET', `/users/${username}/followers?limit=100`);
  expect(res.status).toBe(200);
  return res.body.items.map((i: { user: { username: string } }) => i.user.username);
};
const card = (id: string) => page.locator(`article[data-post-id="${id}"]`);
const nav = () => page.getByRole('navigation', { name: 'Main' });
const tab = (name: 'Home' | 'Everyone') => nav().getByRole('link', { name, exact: true });
const rows = () => page.locator('.follow-list li');

beforeAll(async () => {
  mesh = await startTestMesh({
    replicas: { identity: 1, posts: 1, comments: 1, likes: 1, graph: 1, feed: 1 },
    joinTimeoutMs: 40_000,
  });
  url = mesh.edgeUrl;
  author = await signupApi('author_webfollow');
  stranger = await signupApi('stranger_webfollow');
  authorPosts = [await post(author, 'my first post'), await post(author, 'my second post')];
  strangerPost = await post(stranger, 'a stranger speaks');
  // A user with more followers than one page of the list holds.
  const celeb = await signupApi('celeb_webfollow');
  expect(celeb.user.id).toMatch(/^[0-9a-f-]{36}$/);
  for (let i = 0; i < FANS; i++) {
    const fan = await signupApi(`fan${i}_webfollow`);
    expect((await http(url, 'PUT', '/users/celeb_webfollow/follow', { token: fan.token })).status).toBe(204);
  }
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
  context.setDefaultTimeout(10_000);
  violations = await recordCspViolations(context);
  page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(`${err.name}: ${err.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of (503|401)/.test(m.text())) pageErrors.push(m.text().slice(0, 600));
  });
}, 180_000);

afterAll(async () => {
  await context?.close().catch(() => undefined);
  await browser?.close();
  await mesh?.stop();
}, 60_000);

describe('Home and Everyone', () => {
  it('anonymous: #/ is Everyone, with no Home tab and no Follow buttons', async () => {
    await page.goto(`${url}/#/`);
    await page.getByRole('heading', { name: 'Everyone' }).waitFor(WAIT);
    await card(strangerPost).waitFor(WAIT);
    expect(await tab('Everyone').getAttribute('aria-current')).toBe('page');
    expect(await tab('Home').count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Follow @/ }).count()).toBe(0);
  });

  it('signed in: #/ is Home (the Home tab current); the Everyone tab shows everyone’s posts', async () => {
    await page.goto(`${url}/#/signup`);
    await page.getByLabel('Username').fill('reader_webfollow');
    await page.getByLabel('Password').fill('follow web password');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.getByRole('button', { name: 'Sign out @reader_webfollow' }).waitFor(WAIT);
    await page.getByRole('heading', { name: 'Home' }).waitFor(WAIT);
    expect(new URL(page.url()).hash).toBe('#/');
    expect(await tab('Home').getAttribute('aria-current')).toBe('page');
    expect(await tab('Everyone').getAttribute('aria-current')).toBe(null);
    await page.getByText('Nothing here yet: follow people to see their posts.').waitFor(WAIT);
    expect(await card(strangerPost).count()).toBe(0);

    await tab('Everyone').click();
    await page.getByRole('heading', { name: 'Everyone' }).waitFor(WAIT);
    expect(new URL(page.url()).hash).toBe('#/everyone');
    expect(await tab('Everyone').getAttribute('aria-current')).toBe('page');
    for (const id of [strangerPost, ...authorPosts]) await card(id).waitFor(WAIT);
    // The old links still work: #/u/… is the profile, #/home the home feed.
    await page.goto(`${url}/#/u/author_webfollow`);
    await page.getByRole('heading', { name: 'author_webfollow' }).waitFor(WAIT);
    await page.goto(`${url}/#/home`);
    await page.getByRole('heading', { name: 'Home' }).waitFor(WAIT);
  });

  it("follows from a post's author: every post of theirs says so at once, and their posts reach Home", async () => {
    await page.goto(`${url}/#/everyone`);
    for (const id of authorPosts) await card(id).waitFor(WAIT);
    expect(await card(strangerPost).getByRole('button', { name: 'Follow @stranger_webfollow' }).count()).toBe(1);
    await card(authorPosts[0]).getByRole('button', { name: 'Follow @author_webfollow' }).click();
    for (const id of authorPosts) {
      const button = card(id).getByRole('button', { name: 'Unfollow @author_webfollow' });
      await button.waitFor(WAIT);
      expect(await button.getAttribute('aria-pressed')).toBe('true');
    }
    // The stranger's post is not theirs: unchanged.
    expect(await card(strangerPost).getByRole('button', { name: 'Follow @stranger_webfollow' }).count()).toBe(1);
    await expect.poll(() => followersOf('author_webfollow'), WAIT).toEqual(['reader_webfollow']);
    // My own post has no Follow beside it.
    await page.getByLabel("What's happening?").fill('mine, no follow button');
    await page.getByRole('button', { name: 'Post', exact: true }).click();
    const mine = page.locator('article', { hasText: 'mine, no follow button' });
    await mine.waitFor(WAIT);
    expect(await mine.getByRole('button', { name: /follow/i }).count()).toBe(0);

    await tab('Home').click();
    await page.getByRole('heading', { name: 'Home' }).waitFor(WAIT);
    // feed builds Home from the follow event: the followee's posts arrive shortly after.
    await expect.poll(() => card(authorPosts[1]).count(), { timeout: 15_000 }).toBe(1);
    await card(authorPosts[0]).waitFor(WAIT);
    expect(await card(strangerPost).count()).toBe(0);
    await screenshot(page, 'home-after-follow');
  });
});

describe('follower lists', () => {
  it('from the counts on a profile: pages with More, links each user, follows from a row', async () => {
    await page.goto(`${url}/#/users/celeb_webfollow`);
    await page.getByRole('link', { name: `${FANS} followers` }).click();
    await page.getByRole('heading', { name: 'Followers of @celeb_webfollow' }).waitFor(WAIT);
    expect(new URL(page.url()).hash).toBe('#/users/celeb_webfollow/followers');
    await expect.poll(() => rows().count(), WAIT).toBe(10);
    // Newest follow first.
    expect(await rows().first().getByRole('link').getAttribute('href')).toBe(`#/users/fan${FANS - 1}_webfollow`);
    await page.getByRole('button', { name: 'More' }).click();
    await expect.poll(() => rows().count(), WAIT).toBe(FANS);
    const names = await rows().getByRole('link').allInnerTexts();
    expect(new Set(names).size).toBe(FANS);
    expect(await page.getByRole('button', { name: 'More' }).count()).toBe(0);

    const follow = page.getByRole('button', { name: 'Follow @fan3_webfollow' });
    await follow.click();
    await page.getByRole('button', { name: 'Unfollow @fan3_webfollow' }).waitFor(WAIT);
    await expect.poll(() => followersOf('fan3_webfollow'), WAIT).toEqual(['reader_webfollow']);
    // Read again, the list knows whom you follow.
    await page.reload();
    await page.getByRole('button', { name: 'Unfollow @fan3_webfollow' }).waitFor(WAIT);

    // The reader's own following list: the author followed from the post, and fan3.
    await page.goto(`${url}/#/users/reader_webfollow/following`);
    await page.getByRole('heading', { name: 'Followed by @reader_webfollow' }).waitFor(WAIT);
    await expect
      .poll(() => rows().getByRole('link').allInnerTexts(), WAIT)
      .toEqual(['fan3_webfollow @fan3_webfollow', 'author_webfollow @author_webfollow']);
  });

  it('graph down: "follower lists are unavailable right now", then the list fills in by itself', async () => {
    await page.goto(`${url}/#/users/celeb_webfollow/followers`);
    await expect.poll(() => rows().count(), WAIT).toBe(10);
    expect(await scaleToZero(mesh, 'graph')).toEqual([0]);
    await page.reload();
    await page.getByText('Follower lists are unavailable right now').waitFor(WAIT);
    expect(await rows().count()).toBe(0);
    // Posts still show while graph is down; Follow beside an author is disabled, and says why.
    const everyone = await context.newPage();
    await everyone.goto(`${url}/#/everyone`);
    await expect
      .poll(() => everyone.locator('.timeline-status').innerText(), WAIT)
      .toMatch(/^Follows are unavailable right now/);
    const follow = everyone.locator(`article[data-post-id="${strangerPost}"]`).getByRole('button', {
      name: 'Follow @stranger_webfollow',
    });
    expect(await follow.isDisabled()).toBe(true);
    await everyone.close();

    await mesh.addReplica('graph');
    // No reload: the page asks again by itself.
    await expect.poll(() => rows().count(), { timeout: 20_000 }).toBe(10);
    expect(await page.getByText('Follower lists are unavailable right now').count()).toBe(0);
  });

  it('threw no page error and ran under the CSP without a violation', () => {
    expect(pageErrors).toEqual([]);
    expect(violations).toEqual([]);
  });
});
