// The task center's layout under load, in a real browser against the real system: an empty list
// and a long, paged one (screenshots in .cache/screenshots/, list-empty-*.png and list-long-*.png),
// toasts that stay few (at most three, newest first, the rest as "+N more"), go away by themselves
// and never cover the pager, a timeline whose relative times follow the clock, and a session that
// ends at the page when its API key is revoked.
import fs from 'node:fs';
import path from 'node:path';
import { cachePath } from '@loom/dev-infra';
import type { BrowserContext, Page } from 'playwright-core';
import { launchTestBrowser, untilShown, type TestBrowser } from '../support/browser';
import { TestSystem } from '../support/system';
import { until as poll } from '../support/until';

// Inside page.evaluate callbacks these are the page's (the test's tsconfig has no DOM library).
declare const document: {
  querySelector(s: string): { getBoundingClientRect(): { x: number; y: number; width: number; height: number }; contains(e: unknown): boolean } | null;
  querySelectorAll(s: string): { length: number };
  elementFromPoint(x: number, y: number): unknown;
};

describe('task center layout in a browser', () => {
  let sys: TestSystem;
  let browser: TestBrowser;
  let context: BrowserContext;
  let page: Page;
  let origin: string;
  let tenant: { tenantId: string; apiKey: string };
  const shotsDir = path.dirname(cachePath('screenshots', '.keep'));
  const shot = (name: string, fullPage = false) => page.screenshot({ path: path.join(shotsDir, name), fullPage });

  const until = (what: string, selector: string) => untilShown(page, what, selector);
  const open = (hash: string) => page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
  const submit = (input: Record<string, unknown>) => sys.submit('layout.work', input, {}, tenant.apiKey);
  /** Completion toasts on screen (not the "+N more" line). */
  const toastsShown = () => page.locator('.toasts .toast:not(.toast-more)').count();

  beforeAll(async () => {
    sys = await TestSystem.start('layout', { types: { 'layout.work': { handler: 'sleep', maxAttempts: 1 } } });
    origin = new URL(sys.gatewayUrl).origin;
    // A tenant of its own: its list starts empty, and its key can be revoked at the end.
    const created = await sys.request('POST', '/v1/admin/tenants', { name: 'layout' }, sys.operatorKey);
    tenant = created.body;
    browser = await launchTestBrowser({ width: 1280, height: 860 });
    ({ context, page } = browser);
    fs.mkdirSync(shotsDir, { recursive: true });
    await page.goto(`${origin}/`);
    await page.getByLabel('API key').fill(tenant.apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await until('the tasks view after sign-in', 'h1#tasks-title');
  });

  afterAll(async () => {
    await browser?.close();
    await sys?.stop();
  });

  it('shows an empty list as such: no pager, nothing to act on', async () => {
    await until('the empty list', 'td.empty:has-text("No tasks yet.")');
    expect(await page.locator('table.tasks caption').innerText()).toBe('0 tasks');
    expect(await page.locator('.pager').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Cancel all matching' }).isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Retry all matching' }).isDisabled()).toBe(true);
    await shot('list-empty-light.png');
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot('list-empty-dark.png');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('keeps at most three toasts while many tasks finish, never over the pager, and lets them go by themselves', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) ids.push((await submit({ ms: 1 })).id);
    // Sampled while the 60 finish one after another (one type runs one task at a time).
    let most = 0;
    let more = false;
    await poll(
      'the 60 tasks to finish',
      async () => {
        most = Math.max(most, await toastsShown());
        more ||= (await page.locator('.toasts .toast-more').count()) > 0;
        const page1 = await sys.request('GET', '/v1/tasks?status=succeeded&pageSize=1', undefined, tenant.apiKey);
        return page1.body.total === 60 ? true : undefined;
      },
      60_000,
    );
    // Right away, while the last toasts are fresh: the pager's middle is the pager (no toast over
    // it), and so is its Next button's, which playwright clicks after its own hit test.
    await until('the list paged', '.pager:has-text("Page 1 of 3")');
    // Pinned to the bottom of the window, below the toasts.
    const pager = (await page.locator('.pager').boundingBox())!;
    expect(pager.y + pager.height).toBeGreaterThan(860 - 30);
    const hit = await page.evaluate(() => {
      const pager = document.querySelector('.pager')!;
      const r = pager.getBoundingClientRect();
      const next = document.querySelector('.pager button:last-child')!.getBoundingClientRect();
      return {
        center: pager.contains(document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2)),
        next: pager.contains(document.elementFromPoint(next.x + next.width / 2, next.y + next.height / 2)),
        toasts: document.querySelectorAll('.toasts .toast:not(.toast-more)').length,
      };
    });
    expect(hit).toEqual({ center: true, next: true, toasts: 3 });
    expect(more).toBe(true);
    expect(most).toBeLessThanOrEqual(3);
    // Newest first: the first toast names the last task to finish (the last submitted: one type runs in order).
    const last = (await sys.request('GET', '/v1/tasks?pageSize=1', undefined, tenant.apiKey)).body.items[0];
    expect(last.id).toBe(ids[ids.length - 1]);
    expect(await page.locator('.toasts .toast').first().innerText()).toContain(last.id.slice(0, 8));
    await shot('list-long-light.png');
    await page.getByRole('button', { name: 'Next page' }).click({ timeout: 5_000 });
    await until('page 2', '.pager:has-text("Page 2 of 3")');
    await page.evaluate('window.scrollTo(0, document.body.scrollHeight)');
    await until('the last row of page 2', 'tbody tr[data-task-id]:nth-child(25)');
    await shot('list-long-bottom-light.png');
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot('list-long-dark.png');
    await page.emulateMedia({ colorScheme: 'light' });

    // They go away by themselves (6 s for a success).
    await poll('the toasts to go away by themselves', async () => ((await page.locator('.toasts .toast').count()) === 0 ? true : undefined), 20_000);
  });

  it("dates a timeline's steps relative to the clock, and gives each the time until the next", async () => {
    const t = await submit({ ms: 2500, progressSteps: 5 });
    await open(`#/tasks/${t.id}`);
    await until('the attempt started', '.timeline li[data-step="Attempt 1 started"]');
    await until('the task succeeded in its detail', `section.detail[data-status="succeeded"]`);
    await until('the finish in the timeline', '.timeline li:has-text("Finished: succeeded")');
    const read = () =>
      page.locator('.timeline li[data-step="Attempt 1 started"]').evaluate((li: any) => ({
        text: li.querySelector('time').textContent as string,
        at: Date.parse(li.querySelector('time').getAttribute('datetime')),
        now: Date.now(),
        length: (li.querySelector('.step-length')?.textContent ?? '') as string,
      }));
    const attempt = await read();
    // Begun 2.5 s before the finish, which is on screen: not "now", and within a tick of the clock.
    expect(attempt.text).not.toBe('now');
    const m = /^(\d+) seconds? ago$/.exec(attempt.text);
    expect(m).not.toBeNull();
    expect(Math.abs(Number(m![1]) - (attempt.now - attempt.at) / 1000)).toBeLessThanOrEqual(2);
    // The attempt lasts until the handler finished: about the 2.5 s it slept.
    expect(attempt.length).toMatch(/· 2\.\d s$/);
    // The end has no length.
    expect(await page.locator('.timeline li:has-text("Finished: succeeded") .step-length').count()).toBe(0);
    await shot('detail-timeline-light.png', true);
  });

  it('shows the sign-in again once the key the session came from is revoked', async () => {
    const keys = await sys.request('GET', `/v1/admin/tenants/${tenant.tenantId}/keys`, undefined, sys.operatorKey);
    const r = await sys.request('DELETE', `/v1/admin/keys/${keys.body[0].keyId}`, undefined, sys.operatorKey);
    expect(r.body.sessionsEnded).toBe(1);
    await open('#/tasks');
    await until('the sign-in form', 'label:has-text("API key")');
    expect((await context.cookies(`${origin}/v1/`)).some((c) => c.name === 'loom_session')).toBe(true);
    // The cookie the browser still holds opens nothing.
    const status = await page.evaluate(async () => (await fetch('/v1/session')).status);
    expect(status).toBe(401);
  });
});
