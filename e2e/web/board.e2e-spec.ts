// The operators' mesh board (board.html, served by the edge) in a real browser against a real
// mesh: every service with its replicas by pid; likes scaled to 0 (SIGTERM to its real pids)
// turns its row red and "down" within seconds and its degraded count rises as posts are read
// without it; scaled back, it is up again. feed stopped the same way while posts are written: its
// consumer-lag line grows and says "piling up"; a replica back, it drains to 0. Then at phone
// width, and with its edge gone.
import { EventConsumers } from '#contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page, Request } from 'playwright-core';
import {
  http,
  launchBrowser,
  liveReplicas,
  recordCspViolations,
  scaleToZero,
  screenshot,
  startTestMesh,
  type TestMesh,
} from '#testing';

const REPLICAS = {
  identity: 1,
  posts: 2,
  comments: 1,
  likes: 2,
  media: 1,
  messaging: 1,
  graph: 1,
  feed: 1,
  notifications: 1,
};
/** The board polls once a second: "within a few seconds" of a change. */
const WITHIN = { timeout: 5000 };

let mesh: TestMesh;
let url: string;
/** The edge's admin listener, where the board, /mesh and /metrics are (not the API port). */
let admin: string;
let browser: Browser;
let page: Page;
let postId: string;
/** The services GET /mesh lists (the six, and the edge, which registers too). */
let services: string[];
const pageErrors: string[] = [];
/** What the edge's Content-Security-Policy blocked, per board opened: it must block nothing. */
const cspViolationLists: string[][] = [];
/** The main board's GET /mesh requests in flight: it must never overlap its polls. */
const inFlight = new Set<Request>();
let maxInFlight = 0;
let polls = 0;

const row = (p: Page, service: string): Locator => p.locator(`tr[data-service="${service}"]`);
async function pidsOn(p: Page, service: string): Promise<number[]> {
  const cells = await row(p, service).locator('td.replica[data-pid]').all();
  const pids = await Promise.all(cells.map(async (td) => Number(await td.getAttribute('data-pid'))));
  return pids.sort((a, b) => a - b);
}
const livePids = (service: string) =>
  liveReplicas(mesh, service)
    .map((p) => p.pid)
    .sort((a, b) => a - b);

async function openBoard(
  base: string,
  width: number,
  o: { height?: number; countPolls?: boolean } = {},
): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height: o.height ?? 900 } });
  context.setDefaultTimeout(10_000);
  cspViolationLists.push(await recordCspViolations(context));
  const p = await context.newPage();
  if (o.countPolls) {
    const isPoll = (r: Request) => new URL(r.url()).pathname === '/mesh';
    p.on('request', (r) => {
      if (!isPoll(r)) return;
      polls++;
      inFlight.add(r);
      maxInFlight = Math.max(maxInFlight, inFlight.size);
    });
    p.on('requestfinished', (r) => inFlight.delete(r));
    p.on('requestfailed', (r) => inFlight.delete(r));
  }
  p.on('pageerror', (err) => pageErrors.push(`${err.name}: ${err.message}`));
  p.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource|ERR_CONNECTION_REFUSED/.test(m.text())) {
      pageErrors.push(m.text().slice(0, 600));
    }
  });
  await p.goto(`${base}/`);
  return p;
}

beforeAll(async () => {
  // The edge reads consumer lag every second here (every 5 s by default).
  mesh = await startTestMesh({ replicas: REPLICAS, joinTimeoutMs: 40_000, env: { CONSUMER_LAG_INTERVAL_MS: '1000' } });
  url = mesh.edgeUrl;
  admin = mesh.adminUrl;
  const who = await http(url, 'POST', '/auth/signup', {
    body: { username: 'board_reader', password: 'board password' },
  });
  expect(who.status).toBe(201);
  const post = await http(url, 'POST', '/posts', { token: who.body.token, body: { text: 'read me on the board' } });
  expect(post.status).toBe(201);
  postId = post.body.id;
  services = (await http(admin, 'GET', '/mesh')).body.services.map((x: { name: string }) => x.name);
  expect(services).toEqual(expect.arrayContaining(Object.keys(REPLICAS)));
  browser = await launchBrowser();
  page = await openBoard(admin, 1280, { countPolls: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await mesh?.stop();
}, 60_000);

describe('the mesh board', () => {
  it('is served on the admin port only: the API port has no board, /mesh or /metrics (404)', async () => {
    const board = await fetch(`${admin}/`);
    expect([board.status, board.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
    expect(await board.text()).toContain('<title>failsoft · mesh board</title>');
    for (const path of ['/board.html', '/mesh', '/metrics']) {
      const res = await fetch(`${url}${path}`);
      expect([path, res.status, res.headers.get('content-type')]).toEqual([
        path,
        404,
        'application/problem+json; charset=utf-8',
      ]);
    }
  });

  it("has an icon, the client's: its <link rel=icon> resolves (200, an SVG)", async () => {
    const icon = await page.evaluate(
      () => (globalThis as any).document.querySelector('link[rel~="icon"]')?.href as string | undefined,
    );
    expect(icon).toBe(`${admin}/favicon.svg`);
    const client = await (await fetch(`${url}/`)).text();
    expect(client).toContain('<link rel="icon" href="/favicon.svg" type="image/svg+xml" />');
    const res = await fetch(icon!);
    expect([res.status, res.headers.get('content-type')]).toEqual([200, 'image/svg+xml']);
    expect(await res.text()).toMatch(/^<svg /);
  });

  it('shows every service with its replicas, by pid, live', async () => {
    await expect
      .poll(
        () => page.locator('tr[data-service]').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-service'))),
        WITHIN,
      )
      .toEqual(services);
    for (const [service, n] of Object.entries(REPLICAS)) {
      await expect.poll(() => pidsOn(page, service), WITHIN).toEqual(livePids(service));
      expect(await row(page, service).getAttribute('class')).toBe('service up');
      expect(await row(page, service).locator('th .state').innerText()).toMatch(/up/i);
      expect(await row(page, service).locator('th .count').innerText()).toBe(
        `${n} ${n === 1 ? 'replica' : 'replicas'}`,
      );
    }
    // Each replica cell says pid@host; requests per second appear from the second poll on.
    const first = livePids('posts')[0];
    const cell = row(page, 'posts').locator(`td.replica[data-pid="${first}"]`);
    expect(await cell.locator('.where').innerText()).toMatch(new RegExp(`^${first}@\\S+$`));
    for (let i = 0; i < 20; i++) await http(url, 'GET', `/posts/${postId}`);
    await expect
      .poll(() => cell.locator('.figure', { hasText: 'req/s' }).locator('dd').innerText(), WITHIN)
      .toMatch(/^\d+\.\d$/);
    await expect
      .poll(() => page.getByRole('status').innerText())
      .toMatch(new RegExp(`Live · updated .* · ${services.length} of ${services.length} services up$`));
    await screenshot(page, 'board');
  });

  it('turns likes red and "down" within seconds of its scale to 0, counts its degraded answers, and recovers', async () => {
    const likes = row(page, 'likes');
    const degradedBefore = Number(await likes.locator('td.last-minute').getAttribute('data-degraded'));
    const scaledAt = performance.now();
    expect(await scaleToZero(mesh, 'likes')).toEqual([0, 0]);
    await expect.poll(() => likes.getAttribute('class'), WITHIN).toBe('service down');
    const downAfterMs = performance.now() - scaledAt;
    // Said in words, not only in red.
    expect(await likes.locator('th .state').innerText()).toMatch(/down/i);
    expect(await likes.locator('td.replica.none').innerText()).toMatch(/^DOWN — no replica answers/);
    expect(await page.getByRole('status').innerText()).toMatch(
      new RegExp(`${services.length - 1} of ${services.length} services up · down: likes$`),
    );

    // Posts still load without likes (degraded): the board counts those answers for likes.
    for (let i = 0; i < 3; i++) {
      const res = await http(url, 'GET', `/posts/${postId}`);
      expect([res.status, res.body.degraded]).toEqual([200, ['likes']]);
    }
    await expect
      .poll(async () => Number(await likes.locator('td.last-minute').getAttribute('data-degraded')), WITHIN)
      .toBeGreaterThanOrEqual(degradedBefore + 3);
    await screenshot(page, 'board-likes-down');

    for (let i = 0; i < REPLICAS.likes; i++) await mesh.addReplica('likes');
    await expect.poll(() => likes.getAttribute('class'), { timeout: 10_000 }).toBe('service up');
    await expect.poll(() => pidsOn(page, 'likes'), WITHIN).toEqual(livePids('likes'));
    process.stdout.write(`[board] likes shown down ${downAfterMs.toFixed(0)} ms after its scale to 0 began\n`);
  }, 60_000);

  it("shows feed's consumer lag growing while feed is stopped and posts are written, then drained to 0 when it is back", async () => {
    const lag = page.locator('tr.lag[data-lag-service="feed"]');
    const pending = async () => Number(await lag.getAttribute('data-pending'));
    // Every consuming service of the layout has its line, all caught up.
    await expect
      .poll(
        () => page.locator('tr.lag').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-lag-service'))),
        WITHIN,
      )
      .toEqual(['comments', 'likes', 'media', 'feed', 'posts', 'notifications']);
    await expect.poll(pending, WITHIN).toBe(0);
    expect(await lag.getAttribute('class')).toBe('lag');

    expect(await scaleToZero(mesh, 'feed')).toEqual([0]);
    await expect.poll(() => row(page, 'feed').getAttribute('class'), WITHIN).toBe('service down');
    const writer = await http(url, 'POST', '/auth/signup', {
      body: { username: 'board_writer', password: 'board password' },
    });
    expect(writer.status).toBe(201);
    for (let i = 0; i < 5; i++) {
      const res = await http(url, 'POST', '/posts', { token: writer.body.token, body: { text: `feed is down ${i}` } });
      expect(res.status).toBe(201);
    }
    await expect.poll(pending, { timeout: 10_000 }).toBe(5);
    expect(await lag.getAttribute('class')).toBe('lag piling');
    expect(await lag.locator('th .state').innerText()).toMatch(/piling up/i);
    expect(await lag.getAttribute('data-trend')).toBe('rising');
    expect(await lag.locator('td.trend').innerText()).toMatch(/^rising \(\+\d+\)/);
    expect(await lag.locator('[data-consumer="feed--events-posts-created"]').innerText()).toBe('posts.created 5/0');
    await screenshot(page, 'board-feed-lag');

    await mesh.addReplica('feed');
    await expect.poll(() => row(page, 'feed').getAttribute('class'), { timeout: 10_000 }).toBe('service up');
    await expect.poll(pending, { timeout: 15_000 }).toBe(0);
    expect(Number(await lag.getAttribute('data-in-flight'))).toBe(0);
    expect(await lag.getAttribute('class')).toBe('lag');
  }, 60_000);

  it('fits a phone: one card per service, nothing wider than the screen', async () => {
    const phone = await openBoard(admin, 390, { height: 844 });
    await expect.poll(() => phone.locator('tr[data-service]').count(), WITHIN).toBe(services.length);
    await expect.poll(() => pidsOn(phone, 'posts'), WITHIN).toEqual(livePids('posts'));
    expect(await phone.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    // The table keeps its meaning for assistive technology when it stacks.
    // Both tables (the mesh's and the consumer lag's) keep their roles.
    expect(await phone.getByRole('table').count()).toBe(2);
    // One lag row per consuming service of the layout.
    expect(await phone.locator('tr.lag').count()).toBe(new Set(EventConsumers.map((c) => c.owner)).size);
    expect(await phone.locator('table.mesh').getByRole('rowheader', { name: /likes/ }).count()).toBe(1);
    await screenshot(phone, 'board-phone');
    await phone.context().close();
  });

  it('keeps the last view and says "edge unreachable" when its edge goes away', async () => {
    const edge = await mesh.addEdge();
    const board = await openBoard(edge.adminUrl, 1000);
    await expect.poll(() => board.getByRole('status').innerText(), WITHIN).toMatch(/Live · updated/);
    edge.process.kill('SIGTERM');
    expect(await edge.process.exited).toBe(0);
    await expect.poll(() => board.getByRole('status').innerText(), WITHIN).toMatch(/^Edge unreachable since /);
    expect(await board.getByRole('status').innerText()).toMatch(/Showing the last view, from \d\d:\d\d:\d\d\.$/);
    expect(await board.locator('tr[data-service]').count()).toBe(services.length);
    await screenshot(board, 'board-edge-unreachable');
    await board.context().close();
  }, 40_000);

  it('never had two polls in flight, and no page error', () => {
    expect(polls).toBeGreaterThan(5);
    expect(maxInFlight).toBe(1);
    expect(pageErrors).toEqual([]);
  });

  it("ran under the edge's Content-Security-Policy without a single violation", () => {
    expect(cspViolationLists.length).toBeGreaterThanOrEqual(2);
    expect(cspViolationLists.flat()).toEqual([]);
  });
});
