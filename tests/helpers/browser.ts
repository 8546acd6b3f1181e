/**
 * A real browser for end-to-end tests: Debian's Chromium driven by playwright-core (never a
 * downloaded browser), headless, no GPU, no background networking, a fresh profile each time.
 * Screenshots go to test-artifacts/ (kept by CI, ignored by git).
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { REPO_ROOT, tempDir } from './fixtures';

export const CHROMIUM = process.env.PCC_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts');

export async function launchBrowser(viewport = { width: 1280, height: 800 }): Promise<BrowserContext> {
  if (!fs.existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium), as .ci/run does`,
    );
  return chromium.launchPersistentContext(tempDir('pcc-chromium-'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    viewport,
  });
}

/** Saves a screenshot as a test artifact and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}
