// Notifications in a real browser (playwright-core on Debian's chromium) against a real mesh: the
// bell counts what is unread; a follow, a like, a mention and a comment made by bob in a second
// browser context raise ann's bell without a reload (the live stream), an unlike lowers it; opening the list pages
// with "More", marks read (0, and still 0 after a reload) and each item leads to its post, comment
// or profile; a post's @mention is a link to that profile; and with the notifications replica
// killed (SIGKILL by pid) the page says they are unavailable and the bell shows no number, then
// both come back by themselves once a new replica runs — with what was missed meanwhile.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  http,
  launchBrowser,
  liveReplicas,
  recordCspViolations,
  screenshot,
  startTestMesh,
  type TestMesh,
} from '#testing';

const WAIT = { timeout: 10_000 };
/** A live push must beat this by far; the bell's own safety-net poll is every 30 s. */
const LIVE = { timeout: 8000 };
const PASSWORD = 'bell web password';
const PAGE_SIZE = 20; // NOTIFICATION_PAGE_SIZE
let mesh: TestMesh;
let url: string;
let browser: Browser;
const contexts: BrowserContext[] = [];
const violations: string[][] = [];
const pageErrors: string[] = [];
type Account = { token: string; user: { id: string; username: string } };
let ann: Account;
let bob: Account;
let cy: Account;
let annPost: string;
let annSecondPost: string;
let annPage: Page;
let bobPage: Page;

async function signupApi(username: string): Promise<Account> {
  const res = await http(url, 'POST', '/auth/signup', { body: { username, password: PASSWORD } });
  expect(res.status).toBe(201);
  return res.body;
}
const post = async (who: Account, text: string): Promise<string> => {
  const res = await http(url, 'POST', '/posts', { token: who.token, body: { text } });
  expect(res.status).toBe(201);
  return res.body.id;
};
const unreadOf = async (who: Account): Promise<number> => {
  const res = await http(url, 'GET', '/notifications/unread-count', { token: who.token });
  expect(res.status).toBe(200);
  return res.body.unread;
};
async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
  context.setDefaultTimeout(10_000);
  contexts.push(context);
  violations.push(await recordCspViolations(context));
  return watch(await context.newPage());
}
function watch(page: Page): Page {
  page.on('pageerror', (err) => pageErrors.push(`${err.name}: ${err.message}`));
  page.on('console', (m) => {
    // 503s are expected (notifications taken away), and 401s where a refused token is refreshed.
    if (m.type() === 'error' && !/status of (503|401)/.test(m.text())) pageErrors.push(m.text().slice(0, 600));
  });
  return page;
}
async function signIn(page: Page, username: string): Promise<void> {
  await page.goto(`${url}/#/signin`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: `Sign out @${username}` }).waitFor(WAIT);
}
const bell = (page: Page) => page.locator('a.bell');
/** What the bell shows: its number ('' for none) and whether it knows (up, unknown, down). */
const bellShows = async (page: Page) => ({
  count: (await page.locator('a.bell .bell-count').allInnerTexts()).join(''),
  state: await bell(page).getAttribute('data-state'),
});
const card = (page: Page, id: string) => page.locator(`article[data-post-id="${id}"]`);
const items = (page: Page) => page.locator('ul.notifications > li');
/** Marks the document; the mark survives anything but a reload. */
const mark = (page: Page) =>
  page.evaluate(() => {
    (globalThis as any).__noReload = true;
  });
const notReloaded = (page: Page) => page.evaluate(() => (globalThis as any).__noReload as boolean | undefined);

beforeAll(async () => {
  mesh = await startTestMesh({
    replicas: { identity: 1, posts: 1, graph: 1, likes: 1, comments: 1, notifications: 1 },
    joinTimeoutMs: 40_000,
  });
  url = mesh.edgeUrl;
  ann = await signupApi('ann_bell');
  bob = await signupApi('bob_bell');
  cy = await signupApi('cy_bell');
  annPost = await post(ann, 'ann says something likeable');
  annSecondPost = await post(ann, 'ann says more');
  expect((await http(url, 'PUT', '/users/ann_bell/follow', { token: cy.token })).status).toBe(204);
  browser = await launchBrowser();
  annPage = await newPage();
  bobPage = await newPage();
}, 180_000);

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await mesh?.stop();
}, 60_000);

describe('the bell', () => {
  it('shows how many are unread when the page opens', async () => {
    await expect.poll(() => unreadOf(ann), WAIT).toBe(1);
    await signIn(annPage, 'ann_bell');
    await expect.poll(() => bellShows(annPage), WAIT).toEqual({ count: '1', state: 'up' });
    expect(await bell(annPage).getAttribute('aria-label')).toBe('Notifications, 1 unread');
    expect(await bell(annPage).getAttribute('href')).toBe('#/notifications');
    // On a 375 px phone the header still fits, the bell in it.
    await annPage.setViewportSize({ width: 375, height: 800 });
    expect(await bell(annPage).isVisible()).toBe(true);
    expect(
      await annPage.evaluate(() => (globalThis as any).document.documentElement.scrollWidth as number),
    ).toBeLessThanOrEqual(375);
    await annPage.setViewportSize({ width: 1000, height: 800 });
  });

  it('counts up live, without a reload, as bob follows, likes, mentions and comments in another browser', async () => {
    await annPage.goto(`${url}/#/everyone`);
    await card(annPage, annPost).waitFor(WAIT);
    await mark(annPage);
    await signIn(bobPage, 'bob_bell');

    await bobPage.goto(`${url}/#/users/ann_bell`);
    await bobPage.getByRole('button', { name: 'Follow', exact: true }).click();
    await bobPage.getByRole('button', { name: 'Unfollow', exact: true }).waitFor(WAIT);
    await expect.poll(() => bellShows(annPage), LIVE).toEqual({ count: '2', state: 'up' });

    await card(bobPage, annPost).getByRole('button', { name: /Like/ }).click();
    await expect
      .poll(() => card(bobPage, annPost).getByRole('button', { name: /Like/ }).getAttribute('aria-pressed'), WAIT)
      .toBe('true');
    await expect.poll(() => bellShows(annPage), LIVE).toEqual({ count: '3', state: 'up' });

    await bobPage.goto(`${url}/#/everyone`);
    await bobPage.getByLabel("What's happening?").fill('hello @ann_bell and @nobody_bell');
    await bobPage.getByRole('button', { name: 'Post', exact: true }).click();
    await bobPage.locator('article', { hasText: 'hello @ann_bell' }).waitFor(WAIT);
    await expect.poll(() => bellShows(annPage), LIVE).toEqual({ count: '4', state: 'up' });

    await card(bobPage, annPost).getByRole('button', { name: 'Comments (0)' }).click();
    await card(bobPage, annPost).getByLabel('Add a comment').fill('nice one, ann');
    await card(bobPage, annPost).getByRole('button', { name: 'Comment', exact: true }).click();
    await card(bobPage, annPost).getByRole('button', { name: 'Comments (1)' }).waitFor(WAIT);
    await expect.poll(() => bellShows(annPage), LIVE).toEqual({ count: '5', state: 'up' });
    // An unlike takes its unread notification back (event: notification-removed), a like again tells again.
    const like = card(bobPage, annPost).getByRole('button', { name: /Like/ });
    await like.click();
    await expect.poll(() => like.getAttribute('aria-pressed'), WAIT).toBe('false');
    await expect.poll(() => bellShows(annPage), LIVE).toEqual({ count: '4', state: 'up' });
    await like.click();
    await expect.poll(() => like.getAttribute('aria-pressed'), WAIT).toBe('true');
    await expect.poll(() => bellShows(annPage), LIVE).toEqual({ count: '5', state: 'up' });
    expect(await bell(annPage).getAttribute('aria-label')).toBe('Notifications, 5 unread');
    expect(await notReloaded(annPage)).toBe(true);
    expect(await unreadOf(ann)).toBe(5);
    await screenshot(annPage, 'bell-five-unread');
  });
});

describe('the notifications page', () => {
  let mentionPost: string;
  let commentId: string;

  it('pages with More, marks everything read on opening (0, and 0 after a reload), groups likes', async () => {
    // cy likes the post bob liked: one notification, moved to the top, still 5 unread.
    expect((await http(url, 'PUT', `/posts/${annPost}/like`, { token: cy.token })).status).toBe(204);
    for (let i = 0; i < PAGE_SIZE; i++) await post(cy, `@ann_bell ping ${i}`);
    await expect.poll(() => unreadOf(ann), { timeout: 15_000 }).toBe(5 + PAGE_SIZE);
    await expect.poll(() => bellShows(annPage), LIVE).toEqual({ count: String(5 + PAGE_SIZE), state: 'up' });
    const listed = await http(url, 'GET', '/notifications?limit=100', { token: ann.token });
    expect(listed.status).toBe(200);
    type Item = { type: string; post?: { id: string }; comment?: { id: string } };
    mentionPost = listed.body.items.filter((n: Item) => n.type === 'mention').at(-1).post.id; // bob's, the oldest
    commentId = listed.body.items.find((n: Item) => n.type === 'comment').comment.id;

    await bell(annPage).click();
    await annPage.getByRole('heading', { name: 'Notifications' }).waitFor(WAIT);
    expect(new URL(annPage.url()).hash).toBe('#/notifications');
    expect(await bell(annPage).getAttribute('aria-current')).toBe('page');
    await expect.poll(() => items(annPage).count(), WAIT).toBe(PAGE_SIZE);
    // Opened: read up to the newest shown, the whole list below it with it (a marker).
    await expect.poll(() => bellShows(annPage), WAIT).toEqual({ count: '', state: 'up' });
    expect(await unreadOf(ann)).toBe(0);
    expect(await bell(annPage).getAttribute('aria-label')).toBe('Notifications');
    // Those unread when opened stay marked new while here.
    expect(await annPage.locator('ul.notifications > li.fresh').count()).toBe(PAGE_SIZE);
    // The first page: cy's twenty mentions (in the order notifications took them in), each once.
    const pings = (await items(annPage).allInnerTexts()).map((t) =>
      t.replace(/\s+/g, ' ').replace(/^new cy_bell mentioned you “@ann_bell ping (\d+)”.*$/, '$1'),
    );
    expect(pings.map(Number).sort((a, b) => a - b)).toEqual([...Array(PAGE_SIZE).keys()]);

    await annPage.getByRole('button', { name: 'More' }).click();
    await expect.poll(() => items(annPage).count(), WAIT).toBe(PAGE_SIZE + 5);
    expect(await annPage.getByRole('button', { name: 'More' }).count()).toBe(0);
    const ids = await items(annPage).evaluateAll((lis) => lis.map((li) => (li as any).dataset.notificationId));
    expect(new Set(ids).size).toBe(PAGE_SIZE + 5);
    const older = (await items(annPage).allInnerTexts()).slice(PAGE_SIZE).map((t) => t.replace(/\s+/g, ' '));
    expect(older[0]).toMatch(/^new cy_bell and bob_bell liked your post \(2 likes\) “ann says something likeable”/);
    expect(older[1]).toMatch(/^new bob_bell commented on your post “nice one, ann”/);
    expect(older[2]).toMatch(/^new bob_bell mentioned you “hello @ann_bell and @nobody_bell”/);
    expect(older[3]).toMatch(/^new bob_bell followed you @bob_bell’s profile/);
    expect(older[4]).toMatch(/^new cy_bell followed you @cy_bell’s profile/);
    await screenshot(annPage, 'notifications-page');

    await annPage.reload();
    await expect.poll(() => items(annPage).count(), WAIT).toBe(PAGE_SIZE);
    await expect.poll(() => bellShows(annPage), WAIT).toEqual({ count: '', state: 'up' });
    expect(await annPage.locator('ul.notifications > li.fresh').count()).toBe(0);
    expect(await unreadOf(ann)).toBe(0);
  });

  it('leads each item to its post, its comment on the post, or the profile', async () => {
    await annPage.getByRole('button', { name: 'More' }).click();
    await expect.poll(() => items(annPage).count(), WAIT).toBe(PAGE_SIZE + 5);
    const like = items(annPage).filter({ hasText: 'liked your post' });
    expect(await like.getByRole('link', { name: '“ann says something likeable”' }).getAttribute('href')).toBe(
      `#/posts/${annPost}`,
    );
    await like.getByRole('link', { name: '“ann says something likeable”' }).click();
    await card(annPage, annPost).waitFor(WAIT);
    expect(new URL(annPage.url()).hash).toBe(`#/posts/${annPost}`);
    await annPage.getByRole('heading', { name: 'Post' }).waitFor(WAIT);

    await annPage.goBack();
    await annPage.getByRole('button', { name: 'More' }).click();
    await items(annPage)
      .filter({ hasText: 'commented on your post' })
      .getByRole('link', { name: '“nice one, ann”' })
      .click();
    expect(new URL(annPage.url()).hash).toBe(`#/posts/${annPost}/comments/${commentId}`);
    const marked = card(annPage, annPost).locator(`li.highlight[data-comment-id="${commentId}"]`);
    await marked.waitFor(WAIT);
    expect(await marked.innerText()).toMatch(/nice one, ann/);

    await annPage.goto(`${url}/#/notifications`);
    await annPage.getByRole('button', { name: 'More' }).click();
    await items(annPage)
      .filter({ hasText: 'bob_bell mentioned you' })
      .getByRole('link', { name: '“hello @ann_bell and @nobody_bell”' })
      .click();
    expect(new URL(annPage.url()).hash).toBe(`#/posts/${mentionPost}`);
    await card(annPage, mentionPost).waitFor(WAIT);

    await annPage.goto(`${url}/#/notifications`);
    await annPage.getByRole('button', { name: 'More' }).click();
    await items(annPage)
      .filter({ hasText: 'bob_bell followed you' })
      .getByRole('link', { name: '@bob_bell’s profile' })
      .click();
    expect(new URL(annPage.url()).hash).toBe('#/users/bob_bell');
    await annPage.getByRole('heading', { name: 'bob_bell' }).waitFor(WAIT);
  });

  it("shows a post's @mention as a link to that profile (and an unknown @name as text)", async () => {
    await annPage.goto(`${url}/#/posts/${mentionPost}`);
    const text = card(annPage, mentionPost).locator('.post-text');
    await text.waitFor(WAIT);
    const links = text.getByRole('link');
    expect(await links.allInnerTexts()).toEqual(['@ann_bell']);
    expect(await links.first().getAttribute('href')).toBe('#/users/ann_bell');
    expect(await text.innerText()).toBe('hello @ann_bell and @nobody_bell');
    await links.first().click();
    await annPage.getByRole('heading', { name: 'ann_bell' }).waitFor(WAIT);
    expect(new URL(annPage.url()).hash).toBe('#/users/ann_bell');
    await card(annPage, annPost).waitFor(WAIT);
  });
});

describe('notifications down', () => {
  it('says so on the page and shows no number on the bell, then both come back by themselves', async () => {
    const bellTab = watch(await contexts[0].newPage());
    await bellTab.goto(`${url}/#/everyone`);
    await expect.poll(() => bellShows(bellTab), WAIT).toEqual({ count: '', state: 'up' });
    await annPage.goto(`${url}/#/notifications`);
    await expect.poll(() => items(annPage).count(), WAIT).toBe(PAGE_SIZE);

    // A crash, not a shutdown: SIGKILL to the one replica, by pid.
    const replicas = liveReplicas(mesh, 'notifications');
    expect(replicas).toHaveLength(1);
    replicas[0].kill('SIGKILL');
    expect(await replicas[0].exited).toBe(-1);
    const down = await http(url, 'GET', '/notifications/unread-count', { token: ann.token });
    expect(down.status).toBe(503);
    expect(down.body.service).toBe('notifications');

    await annPage.reload();
    await annPage.getByText('Notifications are unavailable right now').waitFor(WAIT);
    expect(await items(annPage).count()).toBe(0);
    await mark(annPage);
    await bellTab.reload();
    await bellTab.getByRole('heading', { name: 'Everyone' }).waitFor(WAIT);
    await expect.poll(() => bellShows(bellTab), WAIT).toEqual({ count: '', state: 'down' });
    expect(await bell(bellTab).getAttribute('aria-label')).toBe(
      'Notifications (notifications are unavailable right now)',
    );
    // No error on the page for it: the bell alone knows.
    expect(
      await bellTab
        .getByText(/notifications/i)
        .filter({ visible: true })
        .count(),
    ).toBe(0);
    await mark(bellTab);

    // A write while it is down answers as ever; its notification is told once it is back.
    expect((await http(url, 'PUT', `/posts/${annSecondPost}/like`, { token: bob.token })).status).toBe(204);
    await mesh.addReplica('notifications');
    const missed = items(annPage).filter({ hasText: '“ann says more”' });
    await missed.waitFor({ timeout: 20_000 });
    expect(await missed.innerText()).toMatch(/^new bob_bell liked your post/);
    expect(await annPage.getByText('Notifications are unavailable right now').count()).toBe(0);
    expect(await items(annPage).count()).toBe(PAGE_SIZE);
    // The other tab's bell knows again, without a reload; the page, open, marked it read, and told
    // the other tab so.
    await expect.poll(async () => (await bellShows(bellTab)).state, { timeout: 20_000 }).toBe('up');
    await expect.poll(() => bellShows(bellTab), WAIT).toEqual({ count: '', state: 'up' });
    await expect.poll(() => unreadOf(ann), WAIT).toBe(0);
    expect(await notReloaded(annPage)).toBe(true);
    expect(await notReloaded(bellTab)).toBe(true);
    await bellTab.close();
  });

  it('threw no page error and ran under the CSP without a violation', () => {
    expect(pageErrors).toEqual([]);
    expect(violations.flat()).toEqual([]);
  });
});
