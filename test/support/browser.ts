/**
 * Headless Chromium for browser tests: Debian's `chromium` driven by playwright-core. Pages record
 * console errors and uncaught page errors so a test can fail on any; screenshots go to
 * `test-artifacts/console/` (gitignored). Without Chromium the suites skip and say so loudly.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Where Debian installs Chromium (`apt-get install chromium`). */
export const CHROMIUM_PATH = '/usr/bin/chromium';
/** Whether the browser tests can run here. */
export const hasChromium = existsSync(CHROMIUM_PATH);
/** Where screenshots are written. */
export const ARTIFACT_DIR = join(process.cwd(), 'test-artifacts', 'console');

/** The viewports the console must be usable at. */
export const VIEWPORTS = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;
/** A viewport name. */
export type ViewportName = keyof typeof VIEWPORTS;

/** Launch headless Chromium without network side traffic (no sync, updates or QUIC). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A page in its own context, with the errors it logged. */
export interface RecordedPage {
  page: Page;
  context: BrowserContext;
  /** Console `error` messages and uncaught exceptions, in order. */
  errors: string[];
  close(): Promise<void>;
}

/** Open a page at a viewport that records console errors and page errors. */
export async function openPage(browser: Browser, viewport: ViewportName = 'desktop'): Promise<RecordedPage> {
  const context = await browser.newContext({ viewport: VIEWPORTS[viewport], reducedMotion: 'reduce' });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console.error: ${msg.text()} (${msg.location().url})`);
  });
  page.on('pageerror', (err) => errors.push(`page error: ${err.message}`));
  return { page, context, errors, close: () => context.close() };
}

/** Save a full-page screenshot as `test-artifacts/console/<name>.png`; returns the path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACT_DIR, { recursive: true });
  const path = join(ARTIFACT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Say once, loudly, that browser tests were skipped (CI logs must not hide it). */
export function announceSkipped(count: number): void {
  if (hasChromium) return;
  console.warn(
    `\n${'!'.repeat(72)}\nSKIPPED: ${count} browser tests (chromium not installed at ${CHROMIUM_PATH}; apt-get install -y chromium)\n${'!'.repeat(72)}\n`,
  );
}
