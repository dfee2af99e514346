// The task center page in a real browser (Debian's Chromium, driven by playwright-core) against
// the real system: five services on RabbitMQ, MongoDB and S3. Sign-in, live list and toasts,
// live logs, cancel, retry, search, bulk cancel by filter, tenant isolation, CSRF, sign-out,
// and screenshots of the list, a detail and the queues in light and dark (.cache/screenshots/).
import fs from 'node:fs';
import path from 'node:path';
import { cachePath } from '@loom/dev-infra';
import type { BrowserContext, Page } from 'playwright-core';
import { launchTestBrowser, untilShown, type TestBrowser } from '../support/browser';
import { TestSystem } from '../support/system';

const WAIT_MS = 20_000;

// Inside page.evaluate callbacks these are the page's (the test's tsconfig has no DOM library).
declare const window: Record<string, unknown>;
declare const document: { cookie: string; body: unknown };
declare function getComputedStyle(e: unknown): { backgroundColor: string };

describe('task center in a browser', () => {
  let sys: TestSystem;
  let context: BrowserContext;
  let page: Page;
  let browser: TestBrowser;
  let origin: string;
  const requests: string[] = [];
  const shotsDir = path.dirname(cachePath('screenshots', '.keep'));

  /** Waits for a DOM condition; the message says what was awaited. */
  const until = (what: string, selector: string, timeout = WAIT_MS) => untilShown(page, what, selector, timeout);

  const open = async (hash: string) => {
    await page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
  };

  beforeAll(async () => {
    sys = await TestSystem.start('browser', {
      types: {
        'center.work': { handler: 'sleep', maxAttempts: 1 },
        'center.bulk': { handler: 'sleep' },
        'center.other': { handler: 'sleep' },
      },
    });
    origin = new URL(sys.gatewayUrl).origin;
    browser = await launchTestBrowser({ width: 1280, height: 860 });
    ({ context, page } = browser);
    page.on('request', (r) => requests.push(r.url()));
    fs.mkdirSync(shotsDir, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await sys?.stop();
  });

  it('signs in with an API key into an HttpOnly, SameSite=Strict session cookie', async () => {
    await page.goto(`${origin}/`);
    await page.getByLabel('API key').fill(sys.apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await until('the tasks view after sign-in', 'h1#tasks-title');
    const cookies = await context.cookies(`${origin}/v1/`);
    const session = cookies.find((c) => c.name === 'loom_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/v1' });
    // The key itself is not kept by the page.
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + document.cookie);
    expect(stored).not.toContain(sys.apiKey);
  });

  it('shows a task submitted through the API, turns it succeeded without a reload, and toasts it', async () => {
    await page.evaluate(() => (window.marker = 42));
    const t = await sys.submit('center.work', { ms: 1500, progressSteps: 3 });
    await until('the new task in the list', `tr[data-task-id="${t.id}"]`);
    await until('the task succeeded in the list', `tr[data-task-id="${t.id}"][data-status="succeeded"]`);
    await until('a toast saying it succeeded', `.toasts[role="status"] .toast:has-text("${t.id.slice(0, 8)}"):has-text("succeeded")`);
    expect(await page.evaluate(() => window.marker)).toBe(42);
  });

  it("shows a task's logs as they are written", async () => {
    // The blocker holds the type's line for 5 s: the task is shown queued, before it has logged anything.
    const blocker = await sys.submit('center.work', { ms: 5000 });
    const t = await sys.submit('center.work', { ms: 2500, progressSteps: 5 });
    await open(`#/tasks/${t.id}`);
    await until('the detail of the waiting task', `section.detail[data-task-id="${t.id}"][data-status="queued"], section.detail[data-task-id="${t.id}"][data-status="pending"]`);
    await until('why it waits', `section.detail:has-text("Why it waits"), section.detail[data-status="pending"]`);
    expect(await page.locator('.logs').innerText()).not.toContain('attempt 1 of 1 started');
    await until('the attempt line, live', `.logs .log:has-text("attempt 1 of 1 started")`);
    await until('the handler line, live', `.logs .log:has-text("slept 2500 ms")`);
    await until('the task succeeded in its detail', `section.detail[data-status="succeeded"]`);
    await until('a timeline with its start and finish', `.timeline li:has-text("Finished: succeeded")`);
    expect(await page.evaluate(() => window.marker)).toBe(42);
    await sys.waitForTerminal(blocker.id);
    await page.screenshot({ path: path.join(shotsDir, 'detail-light.png'), fullPage: true });
  });

  it('cancels a running task from the page', async () => {
    const t = await sys.submit('center.work', { ms: 60_000, progressSteps: 60 }, { timeoutMs: 120_000 });
    await sys.waitForStatus(t.id, 'running');
    await open(`#/tasks/${t.id}`);
    await until('the running task', `section.detail[data-task-id="${t.id}"][data-status="running"]`);
    await page.getByRole('button', { name: 'Cancel task' }).click();
    await until('the task cancelled', `section.detail[data-task-id="${t.id}"][data-status="cancelled"]`);
    expect((await sys.task(t.id)).status).toBe('cancelled');
  });

  it('retries a failed task from the page', async () => {
    const t = await sys.submit('center.work', { ms: 10, failAttempts: 1 });
    expect((await sys.waitForTerminal(t.id)).status).toBe('failed');
    await open(`#/tasks/${t.id}`);
    await until('the failed task with its error code', `section.detail[data-status="failed"] code:has-text("SLEEP_FAILED")`);
    await page.getByRole('button', { name: 'Retry task' }).click();
    await until('the retried task succeeded', `section.detail[data-task-id="${t.id}"][data-status="succeeded"]`);
    await until('its second attempt in the timeline', `.timeline li:has-text("Attempt 2 started")`);
    expect((await sys.task(t.id)).attempts).toBe(2);
  });

  it('finds a task by a word of its input, and by its idempotency key', async () => {
    const zebra = await sys.submit('center.work', { ms: 1, writeOutput: 'a purple Zebra grazing' });
    const fox = await sys.submit('center.work', { ms: 1, writeOutput: 'an orange fox' }, { idempotencyKey: 'order-7731' });
    await open('#/tasks');
    await page.getByLabel('Search').fill('zebra');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await until('the zebra task', `tr[data-task-id="${zebra.id}"]`);
    await until('a one-task result', 'caption:has-text("1 task match the filter")');
    expect(await page.locator(`tr[data-task-id="${fox.id}"]`).count()).toBe(0);
    await page.getByLabel('Search').fill('order-7731');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await until('the task with that idempotency key', `tr[data-task-id="${fox.id}"]`);
    expect(await page.locator('tbody tr[data-task-id]').count()).toBe(1);
  });

  it('bulk-cancels exactly what the filter matched, after a confirmation that says how many', async () => {
    const bulk = [];
    for (let i = 0; i < 3; i++) bulk.push(await sys.submit('center.bulk', { ms: 60_000 }, { timeoutMs: 120_000 }));
    const other = await sys.submit('center.other', { ms: 60_000 }, { timeoutMs: 120_000 });
    await sys.waitForStatus(bulk[0]!.id, 'running');
    await sys.waitForStatus(other.id, 'running');
    await open('#/tasks?type=center.bulk');
    await until('the three bulk tasks', 'caption:has-text("3 tasks match the filter")');
    await page.getByRole('button', { name: 'Cancel all matching' }).click();
    await until('the confirmation with the count', 'dialog[open] h2:has-text("Cancel 3 tasks?")');
    await page.getByRole('button', { name: 'Cancel 3 tasks' }).click();
    await until('the result toast', '.toast:has-text("Cancelled 3 tasks")');
    for (const t of bulk) expect((await sys.waitForTerminal(t.id)).status).toBe('cancelled');
    expect((await sys.task(other.id)).status).toBe('running');
    await sys.request('POST', `/v1/tasks/${other.id}/cancel`);
    await sys.waitForTerminal(other.id);
  });

  it("never shows another tenant's task", async () => {
    const theirs = await sys.submit('center.work', { ms: 1, writeOutput: 'confidential walrus' }, {}, sys.otherTenantKey);
    await sys.waitForTerminal(theirs.id);
    await open('#/tasks?q=walrus');
    await until('an empty result', 'caption:has-text("0 tasks match the filter")');
    await open(`#/tasks/${theirs.id}`);
    await until('not found for their task', `p.error:has-text("not found")`);
    await open('#/tasks');
    await until('the list', 'h1#tasks-title');
    expect(await page.locator(`tr[data-task-id="${theirs.id}"]`).count()).toBe(0);
    expect(await page.locator(`.toast:has-text("${theirs.id.slice(0, 8)}")`).count()).toBe(0);
  });

  it('refuses a cookie-authenticated write without the CSRF header or from another origin', async () => {
    const cookie = (await context.cookies(`${origin}/v1/`)).find((c) => c.name === 'loom_session')!;
    const post = (headers: Record<string, string>) =>
      fetch(`${origin}/v1/tasks/cancel`, { method: 'POST', headers: { cookie: `loom_session=${cookie.value}`, 'content-type': 'application/json', ...headers }, body: '{"all":true}' });
    expect((await post({})).status).toBe(403);
    expect((await post({ 'x-loom-csrf': '1', origin: 'https://evil.example' })).status).toBe(403);
    expect((await post({ 'x-loom-csrf': '1', 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    const read = await fetch(`${origin}/v1/tasks?pageSize=1`, { headers: { cookie: `loom_session=${cookie.value}` } });
    expect(read.status).toBe(200);
  });

  it('takes screenshots of the queues, and of every view in dark', async () => {
    await open('#/queues');
    await until('the queues table', 'table.queues tr[data-type="center.work"]');
    await until('a chart', 'figure.chart svg');
    await page.screenshot({ path: path.join(shotsDir, 'queues-light.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: path.join(shotsDir, 'queues-dark.png'), fullPage: true });
    await open('#/tasks');
    await until('the list', 'tbody tr[data-task-id]');
    await page.screenshot({ path: path.join(shotsDir, 'list-dark.png') });
    const any = await page.locator('tbody tr[data-task-id]').first().getAttribute('data-task-id');
    await open(`#/tasks/${any}`);
    await until('a detail', 'section.detail');
    await page.screenshot({ path: path.join(shotsDir, 'detail-dark.png'), fullPage: true });
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(bg).toBe('rgb(15, 18, 23)');
    await page.emulateMedia({ colorScheme: 'light' });
    // The switch overrides the system's choice, and goes back to following it.
    const background = (color: string) =>
      page.waitForFunction((c) => getComputedStyle(document.body).backgroundColor === c, color, { timeout: WAIT_MS }).catch(async () => {
        throw new Error(`the page background did not become ${color}; it is ${await page.evaluate(() => getComputedStyle(document.body).backgroundColor)}`);
      });
    await background('rgb(246, 247, 249)');
    await page.getByLabel('Theme').selectOption('dark');
    await background('rgb(15, 18, 23)');
    await page.getByLabel('Theme').selectOption('system');
    await background('rgb(246, 247, 249)');
    await open('#/tasks');
    await until('the list', 'tbody tr[data-task-id]');
    await page.evaluate(`document.querySelectorAll('.toast button').forEach((b) => b.click())`);
    await page.screenshot({ path: path.join(shotsDir, 'list-light.png') });
    // The README's picture: the top of the list, small.
    await page.screenshot({ path: path.join(shotsDir, 'readme-list.png'), clip: { x: 0, y: 0, width: 1280, height: 560 } });
    for (const f of ['list', 'detail', 'queues']) for (const m of ['light', 'dark']) expect(fs.statSync(path.join(shotsDir, `${f}-${m}.png`)).size).toBeGreaterThan(5000);
  });

  it('names every field and button, and keeps tables and toasts semantic', async () => {
    const audit = () =>
      page.evaluate(`(() => {
        const visible = (e) => e.getClientRects().length > 0;
        const fields = [...document.querySelectorAll('input, select, textarea')].filter(visible)
          .filter((e) => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map((e) => e.outerHTML.slice(0, 80));
        const buttons = [...document.querySelectorAll('button')].filter(visible)
          .filter((b) => !b.textContent.trim() && !b.getAttribute('aria-label')).map((b) => b.outerHTML.slice(0, 80));
        const tables = [...document.querySelectorAll('table')].filter((t) => !t.querySelector('caption') || !t.querySelector('th[scope]')).length;
        return { fields, buttons, tables, status: document.querySelectorAll('[role="status"]').length };
      })()`);
    for (const hash of ['#/tasks', '#/queues', '#/credits', '#/batches']) {
      await open(hash);
      await until(`the ${hash} view`, 'main h1');
      expect({ hash, ...((await audit()) as Record<string, unknown>) }).toEqual({ hash, fields: [], buttons: [], tables: 0, status: 1 });
    }
    // The credits view also says what the tenant may submit (the deployment's defaults here).
    await open('#/credits');
    await until("the viewer's submission limits", '[data-testid="limits"]:has-text("1000/s (burst 2000), at most 100000 waiting")');
  });

  it('made no request to any other host', () => {
    const foreign = requests.filter((u) => !u.startsWith(`${origin}/`) && !u.startsWith('data:'));
    expect(foreign).toEqual([]);
    expect(requests.length).toBeGreaterThan(5);
  });

  it('signs out: the session ends on the server', async () => {
    const cookie = (await context.cookies(`${origin}/v1/`)).find((c) => c.name === 'loom_session')!;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await until('the sign-in form', 'label:has-text("API key")');
    const r = await page.evaluate(() => fetch('/v1/tasks').then((x) => x.status));
    expect(r).toBe(401);
    // The old cookie, replayed from elsewhere, is dead too: the session was deleted, not just the cookie.
    const replay = await fetch(`${origin}/v1/tasks`, { headers: { cookie: `loom_session=${cookie.value}` } });
    expect(replay.status).toBe(401);
  });

  it('lets an operator create a tenant, grant it credits and read its ledger', async () => {
    await page.getByLabel('API key').fill(sys.operatorKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await until('the operator signed in', '.who:has-text("operator")');
    await open('#/tenants');
    await page.getByLabel('Name').fill('browser-made tenant');
    await page.getByRole('button', { name: 'Create tenant' }).click();
    await until("the new tenant's key, shown once", '.notice:has-text("browser-made tenant") code');
    const tenantId = (await page.locator('.notice').innerText()).match(/\(([0-9a-f-]{36})\)/)![1]!;
    await page.getByLabel('Tenant id').fill(tenantId);
    await page.getByLabel('Amount (negative deducts)').fill('250');
    await page.getByLabel('Reason').fill('welcome credits');
    await page.getByRole('button', { name: 'Change credits' }).click();
    await until('the grant confirmed', `.toast:has-text("${tenantId}: balance 250")`);
    await page.getByRole('button', { name: `Show the ledger of ${tenantId}` }).click();
    await until('its ledger with the grant', `table:has(caption:has-text("Ledger of ${tenantId}")) tr:has-text("grant"):has-text("250")`);
    expect(await sys.operator.account(tenantId)).toMatchObject({ balance: 250, held: 0 });

    // Its submission limits: set from the page, in effect through the API.
    await page.getByLabel('Tenant to limit').fill(tenantId);
    await page.getByLabel('Submissions per second').fill('5');
    await page.getByLabel('Burst (at once)').fill('10');
    await page.getByLabel('Most tasks waiting').fill('100');
    await page.getByRole('button', { name: 'Apply limits' }).click();
    await until('the limits confirmed', `.toast:has-text("${tenantId}: 5/s (burst 10), at most 100 waiting")`);
    const limits = await sys.request('GET', `/v1/admin/tenants/${tenantId}/limits`, undefined, sys.operatorKey);
    expect(limits.body).toMatchObject({ submitsPerSecond: 5, burst: 10, maxWaiting: 100, overrides: { submitsPerSecond: 5, burst: 10, maxWaiting: 100 } });
  });
});
