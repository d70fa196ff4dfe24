// The web client in a real browser (playwright-core on Debian's chromium) against a real mesh,
// served by the edge: two people in two browser contexts sign up, post with an image, like,
// comment and message each other live; then likes and messaging are scaled to 0 and back, and the
// pages follow by themselves, within bounds measured here.
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  expectEventually,
  freePort,
  http,
  launchBrowser,
  recordCspViolations,
  REPO_ROOT,
  scaleToZero,
  screenshot,
  spawnApp,
  startTestMesh,
  waitUntilReady,
  type TestMesh,
} from '#testing';

const WAIT = { timeout: 10_000 };
let mesh: TestMesh;
let url: string;
let browser: Browser;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];
/** What the edge's Content-Security-Policy blocked, per context: it must block nothing of ours. */
const cspViolationLists: string[][] = [];
let alice: Page;
let bob: Page;
let postId: string;

async function newPage(o: { width?: number; height?: number } = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: o.width ?? 1000, height: o.height ?? 800 } });
  context.setDefaultTimeout(10_000);
  contexts.push(context);
  const violations = await recordCspViolations(context);
  cspViolationLists.push(violations);
  const page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(`${err.name}: ${err.message} ${err.stack}`));
  // Console errors too (React reports misuse there), except the 503s the outage test causes on purpose.
  page.on('console', (m) => {
    // 503s are expected (services taken away), and 401s where a refused token is refreshed.
    if (m.type() === 'error' && !/status of (503|401)/.test(m.text())) pageErrors.push(m.text().slice(0, 600));
  });
  return page;
}

async function signUp(page: Page, username: string): Promise<void> {
  await page.goto(`${url}/#/signup`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill('web password');
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.getByRole('button', { name: `Sign out @${username}` }).waitFor(WAIT);
}

const postCard = (page: Page, id: string) => page.locator(`article[data-post-id="${id}"]`);
const likeButton = (page: Page, id: string) => postCard(page, id).getByRole('button', { name: /Like/ });
/** Marks the document; the mark survives anything but a reload. */
// (Functions given to evaluate() run in the page; this project's TypeScript has no DOM types, so they reach
// the page's globals through globalThis.)
const mark = (page: Page) =>
  page.evaluate(() => {
    (globalThis as any).__noReload = true;
  });
const notReloaded = (page: Page) => page.evaluate(() => (globalThis as any).__noReload as boolean | undefined);
const pageWidth = (page: Page) =>
  page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth as number);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Elements showing this text on screen (hidden descriptions do not count). */
const visibleText = (page: Page, text: RegExp) => page.getByText(text).filter({ visible: true }).count();
const liveBadge = (page: Page) => page.locator('.live-badge');

/** The like buttons as Chromium's accessibility tree has them: name, description, disabled. */
async function likeButtonsAsAnnounced(
  page: Page,
): Promise<Array<{ name: string; description: string; disabled: boolean }>> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { root } = await cdp.send('DOM.getDocument', { depth: 0 });
    const { nodes } = await cdp.send('Accessibility.queryAXTree', { nodeId: root.nodeId, role: 'button' });
    return nodes
      .filter((n) => /Like/.test(String(n.name?.value)))
      .map((n) => ({
        name: String(n.name?.value),
        description: String(n.description?.value ?? ''),
        disabled: n.properties?.some((p) => p.name === 'disabled' && p.value.value === true) ?? false,
      }));
  } finally {
    await cdp.detach();
  }
}

beforeAll(async () => {
  mesh = await startTestMesh({
    // graph: signed in, posts say whether you follow their authors (and the Follow beside them).
    replicas: { identity: 1, posts: 1, comments: 1, likes: 1, media: 1, messaging: 1, graph: 1 },
    joinTimeoutMs: 40_000,
  });
  url = mesh.edgeUrl;
  browser = await launchBrowser();
  alice = await newPage();
  bob = await newPage();
}, 120_000);

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await mesh?.stop();
}, 60_000);

describe('served by the edge', () => {
  it('serves the pages and hashed assets on its own origin, and leaves the API its paths', async () => {
    const index = await fetch(`${url}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/^text\/html/);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const html = await index.text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    const js = await fetch(url + asset!);
    expect([js.status, js.headers.get('cache-control')]).toEqual([200, 'public, max-age=31536000, immutable']);
    // The board is the operators', on the admin port (board.e2e-spec.ts).
    expect((await fetch(`${url}/board.html`)).status).toBe(404);
    // The API keeps its paths and its problem+json 404s.
    expect((await http(url, 'GET', '/posts')).status).toBe(200);
    const unknown = await http(url, 'GET', '/no-such-page');
    expect([unknown.status, unknown.headers.get('content-type')]).toEqual([
      404,
      'application/problem+json; charset=utf-8',
    ]);
  });

  it('still boots, serving the API only, when the client was not built', async () => {
    const port = await freePort();
    const edge = spawnApp('edge', {
      ...mesh.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      ADMIN_PORT: String(await freePort()),
      WEB_ROOT: '/nonexistent',
    });
    try {
      await waitUntilReady(`http://127.0.0.1:${port}`, edge, 20_000);
      expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(404);
      expect(edge.logs.some((l) => String(l.msg).startsWith('web client not built'))).toBe(true);
    } finally {
      edge.kill('SIGTERM');
      await edge.exited;
    }
  }, 40_000);
});

describe('two people', () => {
  it('sign up and stay signed in across a reload (token in localStorage)', async () => {
    await alice.goto(`${url}/#/signup`);
    await screenshot(alice, 'signup');
    await signUp(alice, 'alice_web');
    await signUp(bob, 'bob_web');
    await alice.reload();
    await alice.getByRole('button', { name: 'Sign out @alice_web' }).waitFor(WAIT);
    expect(await alice.evaluate(() => Object.keys((globalThis as any).localStorage))).toEqual(['failsoft.session']);
  }, 40_000);

  it('posts with an image: a preview first, then the post with its thumbnail in the timeline', async () => {
    const png = await sharp({ create: { width: 640, height: 400, channels: 3, background: '#2e7d32' } })
      .composite([
        {
          input: await sharp({ create: { width: 320, height: 200, channels: 3, background: '#fbc02d' } })
            .png()
            .toBuffer(),
          top: 100,
          left: 160,
        },
      ])
      .png()
      .toBuffer();
    await alice.goto(`${url}/#/everyone`);
    await alice.getByLabel("What's happening?").fill('Hello from a real browser');
    await alice.getByLabel('Add images').setInputFiles({ name: 'field.png', mimeType: 'image/png', buffer: png });
    const preview = alice.getByRole('img', { name: 'Preview 1: field.png' });
    await preview.waitFor(WAIT);
    expect(await preview.getAttribute('src')).toMatch(/^blob:/);
    await screenshot(alice, 'composer-preview');
    await alice.getByRole('button', { name: 'Post', exact: true }).click();

    const article = alice.locator('article', { hasText: 'Hello from a real browser' });
    await article.waitFor(WAIT);
    postId = (await article.getAttribute('data-post-id'))!;
    const thumb = article.getByRole('img', { name: /Image 1 of 1 posted by alice_web/ });
    expect(await thumb.getAttribute('src')).toMatch(/^\/media\/[0-9a-f-]{36}\/thumbnail$/);
    await expectEventually(async () => expect(await thumb.evaluate((i: any) => i.naturalWidth as number)).toBe(320), {
      timeoutMs: 10_000,
    });
    // The composer is empty again, and the post is really stored with its image.
    expect(await alice.getByLabel("What's happening?").inputValue()).toBe('');
    const stored = await http(url, 'GET', `/posts/${postId}`);
    expect(stored.body).toMatchObject({ text: 'Hello from a real browser', media: [{ width: 640, height: 400 }] });
    await screenshot(alice, 'timeline');
    await article.screenshot({ path: resolve(REPO_ROOT, 'test-artifacts/screenshots/post-with-image.png') });
  }, 40_000);

  it('posts an image with no text: the composer allows it, and the post shows the image alone', async () => {
    const png = await sharp({ create: { width: 200, height: 120, channels: 3, background: '#1565c0' } })
      .png()
      .toBuffer();
    await alice.goto(`${url}/#/everyone`);
    const post = alice.getByRole('button', { name: 'Post', exact: true });
    await post.waitFor(WAIT);
    expect(await post.isDisabled()).toBe(true); // neither text nor an image yet
    await alice.getByLabel('Add images').setInputFiles({ name: 'sky.png', mimeType: 'image/png', buffer: png });
    await alice.getByRole('img', { name: 'Preview 1: sky.png' }).waitFor(WAIT);
    expect(await alice.getByLabel("What's happening?").inputValue()).toBe('');
    await post.click();
    await alice.getByText('Posted.', { exact: true }).waitFor(WAIT);

    const article = alice.locator('article').first();
    const id = (await article.getAttribute('data-post-id'))!;
    expect(id).not.toBe(postId);
    await article.getByRole('img', { name: /Image 1 of 1 posted by alice_web/ }).waitFor(WAIT);
    expect(await article.locator('.post-text').count()).toBe(0);
    const stored = await http(url, 'GET', `/posts/${id}`);
    expect(stored.status).toBe(200);
    expect(stored.body).toMatchObject({ text: '', media: [{ width: 200, height: 120 }] });
  }, 40_000);

  it("likes with the keyboard and comments, on the author's page", async () => {
    await bob.goto(`${url}/#/u/alice_web`);
    const like = likeButton(bob, postId);
    await like.waitFor(WAIT);
    expect(await like.getAttribute('aria-pressed')).toBe('false');
    await like.focus();
    await bob.keyboard.press('Enter');
    await expectEventually(async () => expect(await like.getAttribute('aria-pressed')).toBe('true'), {
      timeoutMs: 10_000,
    });
    expect(await postCard(bob, postId).textContent()).toContain('1 like');

    await postCard(bob, postId).getByRole('button', { name: 'Comments (0)' }).click();
    await postCard(bob, postId).getByLabel('Add a comment').fill('Lovely colours');
    await postCard(bob, postId).getByRole('button', { name: 'Comment', exact: true }).click();
    await postCard(bob, postId).getByRole('listitem').filter({ hasText: 'Lovely colours' }).waitFor(WAIT);
    await postCard(bob, postId).getByRole('button', { name: 'Comments (1)' }).waitFor(WAIT);

    const token = await bob.evaluate(
      () => (JSON.parse((globalThis as any).localStorage.getItem('failsoft.session')) as { token: string }).token,
    );
    const seen = await http(url, 'GET', `/posts/${postId}`, { token });
    expect(seen.body).toMatchObject({ likeCount: 1, likedByMe: true, commentCount: 1, degraded: [] });
  }, 40_000);

  it("loads a user's timeline page by page on the cursor as it is scrolled", async () => {
    const carol = (
      await http(url, 'POST', '/auth/signup', { body: { username: 'carol_web', password: 'web password' } })
    ).body;
    for (let i = 1; i <= 25; i++) {
      const res = await http(url, 'POST', '/posts', { token: carol.token, body: { text: `carol's post number ${i}` } });
      expect(res.status).toBe(201);
    }
    const asked: string[] = [];
    const onRequest = (r: { url: () => string }) => {
      if (r.url().includes('/posts?')) asked.push(new URL(r.url()).search);
    };
    bob.on('request', onRequest);
    try {
      await bob.goto(`${url}/#/u/carol_web`);
      const articles = bob.locator('article');
      await articles.first().waitFor(WAIT);
      await expectEventually(
        async () => {
          await articles.last().scrollIntoViewIfNeeded();
          await bob.getByText("That's all.").waitFor({ timeout: 500 });
        },
        { timeoutMs: 15_000 },
      );
      expect(await articles.count()).toBe(25);
      expect(await articles.first().textContent()).toContain("carol's post number 25");
      expect(await articles.last().textContent()).toContain("carol's post number 1");
      // Three pages of 10: the first without a cursor, the next two each on the previous nextCursor.
      const pages = asked.filter((q) => q.includes('author=carol_web'));
      expect(pages.length).toBe(3);
      expect(pages.map((q) => new URLSearchParams(q).has('cursor'))).toEqual([false, true, true]);
    } finally {
      bob.off('request', onRequest);
    }
  }, 60_000);

  it('receives a direct message live, without a reload', async () => {
    await alice.goto(`${url}/#/messages/bob_web`);
    await alice.getByText('live', { exact: true }).waitFor(WAIT);
    await mark(alice);

    await bob.goto(`${url}/#/messages/alice_web`);
    await bob.getByLabel('Message @alice_web').fill('Saw your picture!');
    await bob.getByRole('button', { name: 'Send' }).click();

    const log = alice.getByRole('log', { name: 'Conversation with bob_web' });
    await log.getByText('Saw your picture!').waitFor(WAIT);
    expect(await notReloaded(alice)).toBe(true);
    // Sent once, shown once on both sides.
    expect(await log.getByRole('listitem').count()).toBe(1);
    expect(await bob.getByRole('log').getByRole('listitem').count()).toBe(1);
    await screenshot(alice, 'messages');

    await alice.goto(`${url}/#/messages`);
    await alice.getByRole('link', { name: /bob_web.*Saw your picture!/ }).waitFor(WAIT);
    await screenshot(alice, 'conversations');
  }, 40_000);
});

describe('navigation', () => {
  it('marks "My posts" as the current page on your own page only, not on someone else\'s', async () => {
    const myPosts = alice.getByRole('link', { name: 'My posts' });
    await alice.goto(`${url}/#/u/bob_web`);
    await alice.getByRole('heading', { name: 'bob_web' }).waitFor(WAIT);
    expect(await myPosts.getAttribute('aria-current')).toBeNull();
    expect(await alice.locator('nav [aria-current]').count()).toBe(0);
    await alice.goto(`${url}/#/u/alice_web`);
    await alice.getByRole('heading', { name: 'alice_web' }).waitFor(WAIT);
    expect(await myPosts.getAttribute('aria-current')).toBe('page');
  });
});

describe('likes down, then back', () => {
  /** The healthy timeline's refresh (5 s, FRESH_EVERY_MS) and its answer, with room for a busy machine. */
  const NOTICED_WITHIN_MS = 8000;

  it('disables every like button within seconds of likes going down, without a click or a reload', async () => {
    await alice.goto(`${url}/#/u/alice_web`);
    const like = likeButton(alice, postId);
    await like.waitFor(WAIT);
    expect(await like.isEnabled()).toBe(true);
    await mark(alice);

    expect(await scaleToZero(mesh, 'likes')).toEqual([0]);
    const goneAt = performance.now();
    await expectEventually(
      async () => expect(await alice.getByRole('button', { name: /Like/, disabled: false }).count()).toBe(0),
      { timeoutMs: NOTICED_WITHIN_MS, intervalMs: 100 },
    );
    const noticedAfterMs = performance.now() - goneAt;
    expect(noticedAfterMs).toBeLessThan(NOTICED_WITHIN_MS);
    expect(await like.isDisabled()).toBe(true);
    expect(await notReloaded(alice)).toBe(true);
    process.stdout.write(`[web] like buttons disabled ${noticedAfterMs.toFixed(0)} ms after likes' replicas exited\n`);
  }, 40_000);

  it('says so once, in the banner; each button keeps it as its description, not as visible text', async () => {
    await alice
      .getByRole('status')
      .filter({ hasText: 'Likes are unavailable right now — posts still show' })
      .waitFor(WAIT);
    // alice has two posts on her page: the sentence is on screen once, not once per post.
    expect(await alice.locator('article').count()).toBe(2);
    expect(await visibleText(alice, /likes are unavailable right now/i)).toBe(1);
    const buttons = await likeButtonsAsAnnounced(alice);
    expect(buttons).toEqual([
      { name: '♡ Like', description: 'likes are unavailable right now', disabled: true },
      { name: '♡ Like', description: 'likes are unavailable right now', disabled: true },
    ]);
    expect(await likeButton(alice, postId).getAttribute('title')).toBe('likes are unavailable right now');
    await screenshot(alice, 'degraded-user-timeline');
  });

  it('shows posts opened while likes is down: images and comments, no like', async () => {
    await alice.reload();
    await postCard(alice, postId).getByText('Hello from a real browser').waitFor(WAIT);
    expect(await likeButton(alice, postId).isDisabled()).toBe(true);
    await alice
      .getByRole('status')
      .filter({ hasText: 'Likes are unavailable right now — posts still show' })
      .waitFor(WAIT);
    expect(await visibleText(alice, /likes are unavailable right now/i)).toBe(1);
    expect(await postCard(alice, postId).getByRole('button', { name: 'Comments (1)' }).isEnabled()).toBe(true);
    expect(await postCard(alice, postId).getByRole('img').count()).toBe(1);
    await alice.goto(`${url}/#/everyone`);
    await alice.locator('article').nth(9).waitFor(WAIT);
    expect(await alice.getByRole('button', { name: /Like/, disabled: false }).count()).toBe(0);
    expect(await visibleText(alice, /likes are unavailable right now/i)).toBe(1);
    await screenshot(alice, 'degraded-timeline');
    await alice.goto(`${url}/#/u/alice_web`);
    await likeButton(alice, postId).waitFor(WAIT);
  }, 40_000);

  it('enables it again by itself, without a reload, once likes is back', async () => {
    await mark(alice);
    await mesh.addReplica('likes');
    const like = likeButton(alice, postId);
    await expectEventually(async () => expect(await like.isEnabled()).toBe(true), { timeoutMs: 15_000 });
    expect(await notReloaded(alice)).toBe(true);
    expect(await postCard(alice, postId).textContent()).toContain('1 like');
    expect(await alice.getByText('likes are unavailable right now').count()).toBe(0);
    await like.click();
    await expectEventually(async () => expect(await like.getAttribute('aria-pressed')).toBe('true'), {
      timeoutMs: 10_000,
    });
    expect(await postCard(alice, postId).textContent()).toContain('2 likes');
  }, 60_000);
});

describe('messaging down, then back', () => {
  it('says so in one line instead of failing, and fills in by itself when it is back', async () => {
    await alice.goto(`${url}/#/messages`);
    await alice.getByRole('link', { name: /bob_web/ }).waitFor(WAIT);
    await scaleToZero(mesh, 'messaging');
    await alice.reload();
    await alice.getByText('Messaging is unavailable right now — trying again shortly.', { exact: true }).waitFor(WAIT);
    expect(await alice.getByText('Loading conversations…').count()).toBe(0);
    expect(await alice.getByRole('heading', { name: /Messages/ }).count()).toBe(1);
    await screenshot(alice, 'messaging-down');

    await mark(alice);
    await mesh.addReplica('messaging');
    await alice.getByRole('link', { name: /bob_web.*Saw your picture!/ }).waitFor({ timeout: 15_000 });
    expect(await alice.getByText('messaging is unavailable right now').count()).toBe(0);
    expect(await notReloaded(alice)).toBe(true);
    // The stream stayed open through the outage: a new message still moves the list by itself.
    await bob.goto(`${url}/#/messages/alice_web`);
    await bob.getByLabel('Message @alice_web').fill('Back again');
    await bob.getByRole('button', { name: 'Send' }).click();
    await alice.getByRole('link', { name: /bob_web.*Back again/ }).waitFor(WAIT);
    expect(await notReloaded(alice)).toBe(true);
  }, 60_000);
});

describe('messaging down for a while, with a conversation open', () => {
  const NOTICE = 'Messaging is unavailable right now — trying again shortly.';
  /** The conversation's own refresh (10 s, FRESH_MS) and its answer, with room for a busy machine. */
  const NOTICED_WITHIN_MS = 14_000;
  const conversationAsked: number[] = [];
  const onRequest = (r: { url: () => string; method: () => string }) => {
    if (r.method() === 'GET' && new URL(r.url()).pathname === '/messages/bob_web') {
      conversationAsked.push(performance.now());
    }
  };

  it('says "reconnecting…", not "live", while the edge refuses the event stream', async () => {
    await alice.goto(`${url}/#/messages/bob_web`);
    await alice.getByRole('log').getByText('Back again').waitFor(WAIT);
    expect(await liveBadge(alice).innerText()).toBe('live');
    const stream = (u: URL) => u.pathname === '/events';
    await alice.route(stream, (route) =>
      route.fulfill({ status: 503, contentType: 'application/problem+json', body: '{}' }),
    );
    try {
      await alice.reload();
      await alice.getByRole('log').getByText('Back again').waitFor(WAIT);
      await expectEventually(async () => expect(await liveBadge(alice).innerText()).toBe('reconnecting…'), {
        timeoutMs: 5000,
      });
      expect(await liveBadge(alice).getAttribute('class')).not.toContain('live-live');
    } finally {
      await alice.unroute(stream);
    }
    // Reopened with backoff (at most 10 s) once the edge takes it again.
    await expectEventually(async () => expect(await liveBadge(alice).innerText()).toBe('live'), { timeoutMs: 12_000 });
  }, 40_000);

  it('keeps retrying every 4 s for as long as messaging is down (15 s), and loads the conversation when it is back', async () => {
    expect(await liveBadge(alice).innerText()).toBe('live');
    alice.on('request', onRequest);
    try {
      await scaleToZero(mesh, 'messaging');
      await alice.reload();
      await alice.getByText(NOTICE, { exact: true }).waitFor(WAIT);
      expect(await alice.getByRole('log').getByRole('listitem').count()).toBe(0);
      await mark(alice);
      conversationAsked.length = 0;
      const openedAt = performance.now();
      await sleep(15_000);
      // A retry 4 s after each failure (the first try was before openedAt): not one and then silence.
      const asked = [...conversationAsked];
      expect(asked.length).toBeGreaterThanOrEqual(3);
      const gaps = [asked[0] - openedAt, ...asked.slice(1).map((t, i) => t - asked[i])];
      expect(Math.min(...gaps.slice(1))).toBeGreaterThan(3500);
      expect(await alice.getByText(NOTICE, { exact: true }).count()).toBe(1);
      // An open stream is not "live" while messaging is down.
      await expectEventually(async () => expect(await liveBadge(alice).innerText()).toBe('not live'));

      await mesh.addReplica('messaging');
      const backAt = performance.now();
      await alice.getByRole('log').getByText('Back again').waitFor({ timeout: 8000 });
      const loadedAfterMs = performance.now() - backAt;
      expect(await alice.getByRole('log').getByText('Saw your picture!').count()).toBe(1);
      expect(await alice.getByText(NOTICE, { exact: true }).count()).toBe(0);
      expect(await liveBadge(alice).innerText()).toBe('live');
      expect(await notReloaded(alice)).toBe(true);
      process.stdout.write(
        `[web] messaging down 15 s: ${asked.length} tries (${gaps.map((g) => (g / 1000).toFixed(1)).join(' s, ')} s apart); ` +
          `the conversation loaded ${loadedAfterMs.toFixed(0)} ms after a replica joined\n`,
      );
    } finally {
      alice.off('request', onRequest);
    }
  }, 60_000);

  it('says "not live" once an open, idle conversation learns by itself that messaging is down; "live" when it is back', async () => {
    await alice.getByRole('log').getByText('Back again').waitFor(WAIT);
    expect(await liveBadge(alice).innerText()).toBe('live');
    await mark(alice);
    await scaleToZero(mesh, 'messaging');
    const goneAt = performance.now();
    // No send, no reload: the page's own refresh finds out.
    await alice.getByText(NOTICE, { exact: true }).waitFor({ timeout: NOTICED_WITHIN_MS });
    const noticedAfterMs = performance.now() - goneAt;
    await expectEventually(async () => expect(await liveBadge(alice).innerText()).toBe('not live'));
    expect(await liveBadge(alice).getAttribute('title')).toBe(
      'messaging is unavailable right now: new messages do not arrive',
    );
    expect(await liveBadge(alice).getAttribute('class')).not.toContain('live-live');
    // What was shown stays shown.
    expect(await alice.getByRole('log').getByText('Back again').count()).toBe(1);

    await mesh.addReplica('messaging');
    await expectEventually(async () => expect(await liveBadge(alice).innerText()).toBe('live'), { timeoutMs: 8000 });
    expect(await alice.getByText(NOTICE, { exact: true }).count()).toBe(0);
    expect(await notReloaded(alice)).toBe(true);
    process.stdout.write(
      `[web] an idle conversation showed messaging down ${noticedAfterMs.toFixed(0)} ms after it went\n`,
    );
  }, 60_000);
});

describe('sessions', () => {
  const stored = (page: Page) =>
    page.evaluate(
      () =>
        JSON.parse((globalThis as any).localStorage.getItem('failsoft.session')) as {
          token: string;
          refreshToken: string;
          expiresAt: number;
        } | null,
    );

  it('refreshes a refused token by itself, then signs out for real: the token stops working', async () => {
    const dan = await newPage();
    await signUp(dan, 'dan_web');
    const first = (await stored(dan))!;
    expect(first.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(first.expiresAt).toBeGreaterThan(Date.now() + 800_000);
    // A token the edge refuses (as an expired one would be), with the refresh token still good.
    await dan.evaluate(() => {
      const ls = (globalThis as any).localStorage;
      ls.setItem('failsoft.session', JSON.stringify({ ...JSON.parse(ls.getItem('failsoft.session')), token: 'x.y.z' }));
    });
    await dan.goto(`${url}/#/messages`);
    await dan.reload();
    await dan.getByText('live', { exact: true }).waitFor(WAIT);
    await dan.getByRole('button', { name: 'Sign out @dan_web' }).waitFor(WAIT);
    const second = (await stored(dan))!;
    expect(second.token).not.toBe('x.y.z');
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect((await http(url, 'GET', '/users/me', { token: second.token })).status).toBe(200);

    await dan.getByRole('button', { name: 'Sign out @dan_web' }).click();
    await dan.getByRole('link', { name: 'Sign in' }).first().waitFor(WAIT);
    expect(await stored(dan)).toBeNull();
    await expectEventually(async () =>
      expect((await http(url, 'GET', '/users/me', { token: second.token })).status).toBe(401),
    );
    const refreshed = await http(url, 'POST', '/auth/refresh', { body: { refreshToken: second.refreshToken } });
    expect(refreshed.status).toBe(401);
  }, 40_000);
  it('refreshes once for two tabs refused at the same moment: neither spends the refresh token twice', async () => {
    const eve = await newPage();
    await signUp(eve, 'eve_web');
    const other = await eve.context().newPage();
    const first = (await stored(eve))!;
    await eve.evaluate(() => {
      const ls = (globalThis as any).localStorage;
      ls.setItem('failsoft.session', JSON.stringify({ ...JSON.parse(ls.getItem('failsoft.session')), token: 'x.y.z' }));
    });
    // Both tabs meet the refused token at once (each makes two calls on the messages page).
    await Promise.all([eve.goto(`${url}/#/messages`), other.goto(`${url}/#/messages`)]);
    await Promise.all([eve.reload(), other.reload()]);
    for (const tab of [eve, other]) await tab.getByText('live', { exact: true }).waitFor(WAIT);
    const after = (await stored(eve))!;
    expect(after.refreshToken).not.toBe(first.refreshToken);
    // A refresh token spent twice would have ended the session: it is alive.
    expect((await http(url, 'GET', '/users/me', { token: after.token })).status).toBe(200);
    expect((await http(url, 'POST', '/auth/refresh', { body: { refreshToken: after.refreshToken } })).status).toBe(200);
    await other.close();
  }, 40_000);
});

describe('keyboard', () => {
  it('starts at a skip link, and every focused control shows a focus ring', async () => {
    await alice.goto(`${url}/#/u/alice_web`);
    await likeButton(alice, postId).waitFor(WAIT);
    await alice.reload(); // a fresh document: the first Tab starts at its top
    await likeButton(alice, postId).waitFor(WAIT);
    await alice.keyboard.press('Tab');
    const focused = () =>
      alice.evaluate(() => {
        const g = globalThis as any;
        const el = g.document.activeElement;
        return { text: el.textContent?.trim() as string, outline: g.getComputedStyle(el).outlineStyle as string };
      });
    expect(await focused()).toEqual({ text: 'Skip to content', outline: 'solid' });
    await alice.keyboard.press('Tab');
    expect(await focused()).toEqual({ text: 'failsoft', outline: 'solid' });
    await likeButton(alice, postId).focus();
    await alice.keyboard.press('Tab');
    expect(await focused()).toEqual({ text: 'Comments (1)', outline: 'solid' });
  });
});

describe('phone width (375 px)', () => {
  it('fits the screen: no sideways scrolling on the timeline or in messages', async () => {
    const phone = await newPage({ width: 375, height: 740 });
    await phone.goto(`${url}/#/u/alice_web`);
    await postCard(phone, postId).waitFor(WAIT);
    expect(await pageWidth(phone)).toBeLessThanOrEqual(375);
    await screenshot(phone, 'phone-timeline');
    await phone.goto(`${url}/#/signin`);
    await phone.getByLabel('Username').fill('alice_web');
    await phone.getByLabel('Password').fill('web password');
    await phone.getByRole('button', { name: 'Sign in' }).click();
    await phone.getByRole('button', { name: 'Sign out @alice_web' }).waitFor(WAIT);
    await phone.goto(`${url}/#/messages/bob_web`);
    await phone.getByText('Saw your picture!').waitFor(WAIT);
    expect(await pageWidth(phone)).toBeLessThanOrEqual(375);
    await screenshot(phone, 'phone-messages');
  }, 40_000);

  it('threw no uncaught error and logged no error in any page (the expected 503s and 401s aside)', () => {
    expect(pageErrors).toEqual([]);
  });

  it("ran under the edge's Content-Security-Policy without a single violation", () => {
    expect(cspViolationLists.length).toBeGreaterThanOrEqual(3);
    expect(cspViolationLists.flat()).toEqual([]);
  });
});
