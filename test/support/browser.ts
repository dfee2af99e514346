// The browser tests' Chromium: Debian's (ensureChromium installs it when missing) driven by
// playwright-core, in a throw-away profile, kept from calling home; and the one wait for the page.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CHROMIUM_ARGS, ensureChromium } from '@loom/dev-infra';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export interface TestBrowser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

export async function launchTestBrowser(viewport = { width: 1280, height: 860 }): Promise<TestBrowser> {
  const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'loom-chromium-'));
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: process.env.CHROMIUM_PATH ?? ensureChromium(),
    headless: true,
    // Playwright adds its own --headless; the rest keep Chromium from calling home.
    args: CHROMIUM_ARGS.filter((a) => !a.startsWith('--headless')),
    viewport,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close();
      fs.rmSync(profileDir, { recursive: true, force: true });
    },
  };
}

/** Waits until the page shows `selector`; the error says what was awaited. */
export async function untilShown(page: Page, what: string, selector: string, timeout = 20_000): Promise<void> {
  try {
    await page.locator(selector).first().waitFor({ state: 'visible', timeout });
  } catch (err) {
    throw new Error(`the page did not show ${what} within ${timeout} ms (${selector}): ${(err as Error).message.split('\n')[0]}`);
  }
}
