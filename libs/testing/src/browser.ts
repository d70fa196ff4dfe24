// A real browser for end-to-end tests: playwright-core driving the system's chromium (Debian's
// package; CI installs it, nothing is downloaded), headless, in a fresh temporary profile that
// Playwright makes and removes. Screenshots go to test-artifacts/screenshots/ (not committed).
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { REPO_ROOT } from './app-process.js';

/** Where the browser is; CHROMIUM_PATH overrides Debian's /usr/bin/chromium. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const SCREENSHOT_DIR = resolve(REPO_ROOT, 'test-artifacts/screenshots');

export async function launchBrowser(o: { timeoutMs?: number } = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`no chromium at ${CHROMIUM_PATH}: apt install chromium (or set CHROMIUM_PATH)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: o.timeoutMs ?? 30_000,
  });
}

/** A full-page PNG at test-artifacts/screenshots/<name>.png; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = resolve(SCREENSHOT_DIR, `${name.replace(/[^A-Za-z0-9._-]/g, '-')}.png`);
  await page.screenshot({ path, fullPage: true, timeout: 10_000 });
  return path;
}

/**
 * Every Content-Security-Policy violation the pages of `context` report, as "<directive>
 * <blocked URI> <source>:<line>", gathered from their `securitypolicyviolation` events (a blocked
 * script, style, image, connection or frame). The listener is put in by the browser itself, ahead
 * of the page's scripts, so the policy under test does not govern it.
 */
export async function recordCspViolations(context: BrowserContext): Promise<string[]> {
  const violations: string[] = [];
  await context.exposeBinding('__failsoftCspViolation', (_source, v: string) => void violations.push(v));
  // A string: this project compiles without the DOM's types, and the script runs in the page.
  await context.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (e) => {
      void window.__failsoftCspViolation(
        e.effectiveDirective + ' ' + (e.blockedURI || '(inline)') + ' ' + e.sourceFile + ':' + e.lineNumber,
      );
    });`,
  });
  return violations;
}
