// The chaos tool through its real entry point (the built dist/, as `npm run chaos` runs it), for
// its tests: a child process bounded in time (past the bound it is told to stop, and it then gives
// the database back and ends its mesh), and its report opened in chromium.
import { spawn } from 'node:child_process';
import { launchBrowser, REPO_ROOT } from '#testing';

export interface ChaosCliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export function runChaosCli(args: string[], boundMs: number): Promise<ChaosCliRun> {
  const started = performance.now();
  const child = spawn(process.execPath, [`${REPO_ROOT}/dist/tools/chaos/src/main.js`, ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-8000)));
  const bound = setTimeout(() => child.kill('SIGTERM'), boundMs);
  return new Promise((res) =>
    child.once('exit', (code) => {
      clearTimeout(bound);
      res({ code, stdout, stderr, ms: performance.now() - started });
    }),
  );
}

type Page = Awaited<ReturnType<Awaited<ReturnType<typeof launchBrowser>>['newPage']>>;

/** Opens `htmlPath` in chromium and hands the page to `check`; page errors are collected for it. */
export async function withReportPage(htmlPath: string, check: (page: Page, errors: string[]) => Promise<void>) {
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`file://${htmlPath}`);
    await check(page, errors);
  } finally {
    await browser.close();
  }
}
