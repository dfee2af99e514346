// The `loom` CLI as a user runs it: a separate process (clients/typescript/bin/loom.js) against a
// whole running system, its data on stdout, messages on stderr, and the exit codes scripts
// rely on (0 done, 1 request failed, 2 bad usage, 3 the awaited task did not succeed).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '@loom/dev-infra';
import { TestSystem } from '../support/system';
import { demoSleepTypes } from './support';

const BIN = path.join(repoRoot, 'clients', 'typescript', 'bin', 'loom.js');
let sys: TestSystem;
let home: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs loom with only the environment given (no LOOM_* of the caller), from an empty directory; `stdin` is written to it and closed. */
function loom(args: string[], env: Record<string, string> = {}, cwd = home, stdin?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, env: { PATH: process.env.PATH ?? '', HOME: home, XDG_CONFIG_HOME: path.join(home, 'config'), ...env }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    if (stdin !== undefined) child.stdin?.end(stdin);
  });
}

const asUser = () => ({ LOOM_URL: sys.gatewayUrl, LOOM_API_KEY: sys.apiKey });

beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'loom-cli-'));
  sys = await TestSystem.start('cli', { types: demoSleepTypes() });
  await sys.operator.grant(sys.tenantId, 10_000);
});

afterAll(async () => {
  await sys?.stop();
  fs.rmSync(home, { recursive: true, force: true });
});

describe('loom tasks', () => {
  it('submit --wait --output json prints the succeeded task on stdout and exits 0', async () => {
    const r = await loom(['tasks', 'submit', 'demo.image', '--input', '{"ms":300}', '--wait', '--output', 'json'], asUser());
    expect(r.code).toBe(0);
    const task = JSON.parse(r.stdout);
    expect(task).toMatchObject({ type: 'demo.image', status: 'succeeded', result: { sleptMs: 300 } });
    expect(r.stderr).toContain(`submitted ${task.id}`);
  });

  it('exits 3 when the awaited task fails, 1 when the request is refused, 2 on bad usage', async () => {
    const failed = await loom(['tasks', 'submit', 'demo.image', '--input', '{"ms":10,"fail":"permanent"}', '--wait', '-o', 'json'], asUser());
    expect(failed.code).toBe(3);
    expect(JSON.parse(failed.stdout)).toMatchObject({ status: 'failed', error: { code: 'SLEEP_FAILED' } });

    const refused = await loom(['tasks', 'submit', 'demo.image', '--input', '{}'], asUser());
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain('VALIDATION_FAILED (HTTP 400)');
    expect(refused.stderr).toContain('input.ms');

    expect((await loom(['tasks', 'submit', 'demo.image', '--input', '{not json'], asUser())).code).toBe(2);
    expect((await loom(['tasks', 'frobnicate'], asUser())).code).toBe(2);
    expect((await loom(['tasks', 'get', 'nope'], asUser())).stderr).toContain('TASK_NOT_FOUND (HTTP 404)');
    expect((await loom(['tasks', 'get', 'x'], { LOOM_URL: 'http://127.0.0.1:1', LOOM_API_KEY: 'k' })).code).toBe(1);
  });

  it('reads input from a file; lists as jsonl and table; gets one; prints logs, also following a running task', async () => {
    const file = path.join(home, 'input.json');
    fs.writeFileSync(file, JSON.stringify({ ms: 1500, progressSteps: 3 }));
    const submitted = await loom(['tasks', 'submit', 'demo.image', '--input', `@${file}`, '-o', 'json'], asUser());
    expect(submitted.code).toBe(0);
    const id = JSON.parse(submitted.stdout).id as string;

    const followed = await loom(['tasks', 'logs', id, '--follow', '-o', 'jsonl'], asUser());
    expect(followed.code).toBe(0);
    const lines = followed.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.message)).toContain('slept 1500 ms');
    expect(new Set(lines.map((l) => `${l.timestamp}${l.message}`)).size).toBe(lines.length);

    const list = await loom(['tasks', 'list', '--type', 'demo.image', '--limit', '2', '-o', 'jsonl'], asUser());
    expect(list.stdout.trim().split('\n').map((l) => JSON.parse(l).id)[0]).toBe(id);
    const table = await loom(['tasks', 'list', '--status', 'succeeded', '--limit', '5'], asUser());
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+TYPE\s+STATUS\s+PROGRESS/);
    expect(table.stdout).toContain(id);
    const got = await loom(['tasks', 'get', id], asUser());
    expect(got.stdout).toMatch(/status\s+succeeded/);
    const logs = await loom(['tasks', 'logs', id], asUser());
    expect(logs.stdout).toContain('slept 1500 ms');
  });

  it('submit-many sends the tasks of a JSON Lines file (or stdin) and prints each line with its task', async () => {
    const file = path.join(home, 'tasks.jsonl');
    const lines = [
      JSON.stringify({ type: 'demo.image', input: { ms: 10 }, idempotencyKey: 'cli-many-1' }),
      '',
      JSON.stringify({ type: 'demo.image', input: { ms: 20 }, priority: 4 }),
      JSON.stringify({ type: 'demo.image', input: { ms: 30 }, timeoutMs: 90_000 }),
    ];
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const r = await loom(['tasks', 'submit-many', '--file', file, '-o', 'json'], asUser());
    expect(r.code).toBe(0);
    const results = JSON.parse(r.stdout) as { line: number; created: boolean; task: { id: string; type: string; priority: number; timeoutMs: number; input: unknown } }[];
    expect(results.map((x) => [x.line, x.created, x.task.type])).toEqual([[1, true, 'demo.image'], [3, true, 'demo.image'], [4, true, 'demo.image']]);
    expect(results[1]!.task.priority).toBe(4);
    expect(results[2]!.task.timeoutMs).toBe(90_000);
    const got = await loom(['tasks', 'get', results[0]!.task.id, '-o', 'json'], asUser());
    expect(JSON.parse(got.stdout)).toMatchObject({ id: results[0]!.task.id, input: { ms: 10 }, idempotencyKey: 'cli-many-1' });
    const found = await loom(['tasks', 'list', '--search', 'cli-many-1', '-o', 'json'], asUser());
    expect(JSON.parse(found.stdout).map((t: { id: string }) => t.id)).toEqual([results[0]!.task.id]);

    // Again from stdin, as a table: the keyed line answers with its first task.
    const again = await loom(['tasks', 'submit-many', '--file', '-'], asUser(), home, lines[0] + '\n');
    expect(again.code).toBe(0);
    const [header, row] = again.stdout.trim().split('\n');
    expect(header).toMatch(/^LINE\s+ID\s+TYPE\s+STATUS\s+CREATED\s+ERROR$/);
    expect(row).toMatch(new RegExp(`^1\\s+${results[0]!.task.id}\\s+demo\\.image\\s+\\S+\\s+no \\(its idempotency key was used before\\)`));
  });

  it('submit-many reports bad lines by number and sends nothing; a refusal by the gateway names the line', async () => {
    const file = path.join(home, 'bad.jsonl');
    const good = JSON.stringify({ type: 'demo.image', input: { ms: 10 }, idempotencyKey: 'cli-many-never' });
    fs.writeFileSync(file, [good, '{"type":"demo.image","input":{"ms":1}', JSON.stringify({ type: 'demo.image', colour: 'red' }), good.replace('never', 'never-2')].join('\n'));
    const bad = await loom(['tasks', 'submit-many', '--file', file], asUser());
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain('2 bad lines, nothing was sent');
    expect(bad.stderr).toMatch(/line 2: not valid JSON/);
    expect(bad.stderr).toContain('line 3: unknown field "colour"');
    const listed = await loom(['tasks', 'list', '--search', 'cli-many-never', '-o', 'json'], asUser());
    expect(JSON.parse(listed.stdout)).toEqual([]);

    fs.writeFileSync(file, [good, '', JSON.stringify({ type: 'demo.image', input: { ms: 'soon' } })].join('\n'));
    const refused = await loom(['tasks', 'submit-many', '--file', file], asUser());
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('VALIDATION_FAILED (HTTP 400)');
    expect(refused.stderr).toContain('line 3 input.ms');
    expect(JSON.parse((await loom(['tasks', 'list', '--search', 'cli-many-never', '-o', 'json'], asUser())).stdout)).toEqual([]);

    expect((await loom(['tasks', 'submit-many'], asUser())).code).toBe(2);
    const missing = await loom(['tasks', 'submit-many', '--file', path.join(home, 'missing.jsonl')], asUser());
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read');
  });

  it('watch prints one line per event when not on a terminal and exits with the outcome', async () => {
    const submitted = await loom(['tasks', 'submit', 'demo.image', '--input', '{"ms":500,"progressSteps":2}', '-o', 'json'], asUser());
    const id = JSON.parse(submitted.stdout).id as string;
    const watched = await loom(['tasks', 'watch', id, '-o', 'jsonl'], asUser());
    expect(watched.code).toBe(0);
    const events = watched.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(events[0]).toMatchObject({ event: 'task.snapshot' });
    expect(events.at(-1)).toMatchObject({ id, status: 'succeeded' });
  });

  it('cancels by id, counts by type with --dry-run, refuses --all without --yes, and retries', async () => {
    const submitted = await loom(['tasks', 'submit', 'demo.video', '--input', '{"ms":60000}', '-o', 'json'], asUser());
    const id = JSON.parse(submitted.stdout).id as string;
    const dry = await loom(['tasks', 'cancel', '--type', 'demo.video', '--dry-run', '-o', 'json'], asUser());
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, matched: 1 });
    expect((await loom(['tasks', 'cancel', '--all'], asUser())).code).toBe(2);
    const cancelled = await loom(['tasks', 'cancel', id, '-o', 'json'], asUser());
    expect(cancelled.code).toBe(0);
    expect(JSON.parse(cancelled.stdout).id).toBe(id);
    await sys.waitForStatus(id, 'cancelled');
    const retried = await loom(['tasks', 'retry', id, '-o', 'json'], asUser());
    expect(JSON.parse(retried.stdout)).toMatchObject({ id, attempts: 2 });
    const all = await loom(['tasks', 'cancel', '--all', '--yes', '-o', 'json'], asUser());
    expect(JSON.parse(all.stdout).cancelled).toContain(id);
  });

  it('submit-many of more than 500 lines: a refused second request names its line, after the first 500 are printed', async () => {
    // A tenant of its own: 500 tasks would fill the ledger pages the other tests read.
    const ops = { LOOM_URL: sys.gatewayUrl, LOOM_API_KEY: sys.operatorKey };
    const tenant = JSON.parse((await loom(['admin', 'tenants', 'create', 'many', '-o', 'json'], ops)).stdout) as { tenantId: string; apiKey: string };
    expect((await loom(['admin', 'tenants', 'credits', tenant.tenantId, '--amount', '600', '--reason', 'submit-many test'], ops)).code).toBe(0);
    const file = path.join(home, 'many.jsonl');
    const lines = Array.from({ length: 501 }, (_, i) => JSON.stringify({ type: 'demo.image', input: { ms: i === 500 ? -1 : 0 }, idempotencyKey: `cli-501-${i}` }));
    fs.writeFileSync(file, lines.join('\n'));
    const r = await loom(['tasks', 'submit-many', '--file', file, '-o', 'jsonl'], { LOOM_URL: sys.gatewayUrl, LOOM_API_KEY: tenant.apiKey });
    expect(r.code).toBe(1);
    const printed = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { line: number; created: boolean; task: { idempotencyKey: string } });
    expect(printed.map((p) => p.line)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    expect(printed.every((p, i) => p.created && p.task.idempotencyKey === `cli-501-${i}`)).toBe(true);
    expect(r.stderr).toContain('lines 1 to 500 were submitted; from line 501 on, nothing was created');
    expect(r.stderr).toContain('VALIDATION_FAILED (HTTP 400)');
    expect(r.stderr).toContain('line 501 input.ms');
  });
});

describe('loom batches, account and admin', () => {
  it('submits and reads a batch; shows the account and its ledger; operators create tenants and grant credits', async () => {
    const items = path.join(home, 'items.json');
    fs.writeFileSync(items, JSON.stringify([{ ms: 10 }, { ms: 20 }]));
    const b = await loom(['batches', 'submit', 'demo.image', '--items', `@${items}`, '-o', 'json'], asUser());
    expect(b.code).toBe(0);
    const batchId = JSON.parse(b.stdout).batchId as string;
    const got = await loom(['batches', 'get', batchId, '-o', 'json'], asUser());
    expect(JSON.parse(got.stdout)).toMatchObject({ batchId, size: 2 });

    const account = await loom(['account', '-o', 'json'], asUser());
    expect(JSON.parse(account.stdout)).toMatchObject({ tenantId: sys.tenantId });
    const ledger = await loom(['account', 'ledger', '-o', 'jsonl', '--limit', '500'], asUser());
    expect(ledger.stdout.trim().split('\n').map((l) => JSON.parse(l).kind)).toContain('grant');

    const ops = { LOOM_URL: sys.gatewayUrl, LOOM_API_KEY: sys.operatorKey };
    const created = await loom(['admin', 'tenants', 'create', 'cli tenant', '-o', 'json'], ops);
    const tenant = JSON.parse(created.stdout) as { tenantId: string; apiKey: string };
    const granted = await loom(['admin', 'tenants', 'credits', tenant.tenantId, '--amount', '7', '--reason', 'cli test', '-o', 'json'], ops);
    expect(JSON.parse(granted.stdout)).toMatchObject({ tenantId: tenant.tenantId, balance: 7 });
    expect((await loom(['admin', 'tenants', 'credits', tenant.tenantId, '--amount', '7'], ops)).code).toBe(2);
    expect((await loom(['admin', 'tenants', 'create', 'x'], asUser())).stderr).toContain('FORBIDDEN (HTTP 403)');
  });

  it("lists, issues and revokes a tenant's API keys; a revoked key is refused", async () => {
    const ops = { LOOM_URL: sys.gatewayUrl, LOOM_API_KEY: sys.operatorKey };
    const tenant = JSON.parse((await loom(['admin', 'tenants', 'create', 'keys', '-o', 'json'], ops)).stdout) as { tenantId: string; apiKey: string };
    const issued = JSON.parse((await loom(['admin', 'tenants', 'keys', tenant.tenantId, '--issue', 'ci', '-o', 'json'], ops)).stdout);
    expect(issued).toMatchObject({ tenantId: tenant.tenantId, name: 'ci', role: 'user', apiKey: expect.stringMatching(/^lk_/) });
    const listed = (await loom(['admin', 'tenants', 'keys', tenant.tenantId, '-o', 'jsonl'], ops)).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(listed.map((k: { name: string }) => k.name)).toEqual(['keys (first key)', 'ci']);
    const asNew = { LOOM_URL: sys.gatewayUrl, LOOM_API_KEY: issued.apiKey as string };
    expect((await loom(['account', '-o', 'json'], asNew)).code).toBe(0);
    const revoked = JSON.parse((await loom(['admin', 'revoke-key', issued.keyId, '-o', 'json'], ops)).stdout);
    expect(revoked).toMatchObject({ keyId: issued.keyId, revokedAt: expect.any(String), sessionsEnded: 0 });
    // This gateway forgot it at once: refused.
    expect((await loom(['account'], asNew)).stderr).toContain('UNAUTHENTICATED (HTTP 401)');
    expect(JSON.parse((await loom(['admin', 'tenants', 'keys', tenant.tenantId, '--revoke-all', '-o', 'json'], ops)).stdout)).toEqual({ tenantId: tenant.tenantId, revoked: 1, sessionsEnded: 0 });
    expect((await loom(['account'], { LOOM_URL: sys.gatewayUrl, LOOM_API_KEY: tenant.apiKey })).code).toBe(1);
    expect((await loom(['admin', 'tenants', 'keys', tenant.tenantId, '--issue', 'x', '--revoke-all'], ops)).code).toBe(2);
  });

  it('sets and shows a tenant\'s limits; a submit over them exits 1 naming the code and when to retry', async () => {
    const ops = { LOOM_URL: sys.gatewayUrl, LOOM_API_KEY: sys.operatorKey };
    const tenant = JSON.parse((await loom(['admin', 'tenants', 'create', 'limited', '-o', 'json'], ops)).stdout) as { tenantId: string; apiKey: string };
    expect((await loom(['admin', 'tenants', 'credits', tenant.tenantId, '--amount', '10', '--reason', 'limits test'], ops)).code).toBe(0);
    const set = await loom(['admin', 'tenants', 'limits', tenant.tenantId, '--submits-per-second', '0.1', '--burst', '1', '--max-waiting', 'default', '-o', 'json'], ops);
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({ tenantId: tenant.tenantId, submitsPerSecond: 0.1, burst: 1, overrides: { submitsPerSecond: 0.1, burst: 1 } });
    expect((await loom(['admin', 'tenants', 'limits', tenant.tenantId, '--burst', 'lots'], ops)).code).toBe(2);
    const asTenant = { LOOM_URL: sys.gatewayUrl, LOOM_API_KEY: tenant.apiKey };
    expect(JSON.parse((await loom(['account', 'limits', '-o', 'json'], asTenant)).stdout)).toMatchObject({ submitsPerSecond: 0.1, burst: 1 });
    // One token every 10 s: the first is accepted, the second refused.
    expect((await loom(['tasks', 'submit', 'demo.image', '--input', '{"ms":1}'], asTenant)).code).toBe(0);
    const refused = await loom(['tasks', 'submit', 'demo.image', '--input', '{"ms":1}'], asTenant);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('SUBMIT_RATE_LIMITED (HTTP 429)');
    expect(refused.stderr).toMatch(/retry after \d+ s/);
  });
});

describe('where loom finds the gateway and the key', () => {
  it('takes a named profile of the config file, and says which profiles exist when one is unknown', async () => {
    const file = path.join(home, 'config', 'loom', 'config.json');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify({ default: 'ops', profiles: { test: { url: sys.gatewayUrl, apiKey: sys.apiKey }, ops: { url: sys.gatewayUrl, apiKey: sys.operatorKey } } }));
    const mine = await loom(['--profile', 'test', 'account', '-o', 'json']);
    expect(JSON.parse(mine.stdout).tenantId).toBe(sys.tenantId);
    const byDefault = await loom(['admin', 'tenants', 'create', 'by default profile', '-o', 'json']);
    expect(byDefault.code).toBe(0);
    const unknown = await loom(['--profile', 'prod', 'account']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no profile "prod"');
    expect(unknown.stderr).toContain('test, ops');
    fs.rmSync(file);
  });

  it("inside a checkout, uses the npm start credentials (.cache/dev-credentials.json), the operator key for admin", async () => {
    const checkout = fs.mkdtempSync(path.join(home, 'checkout-'));
    fs.mkdirSync(path.join(checkout, '.cache'));
    fs.writeFileSync(
      path.join(checkout, '.cache', 'dev-credentials.json'),
      JSON.stringify({ gatewayUrl: sys.gatewayUrl, tenantId: sys.tenantId, apiKey: sys.apiKey, operatorKey: sys.operatorKey }),
    );
    const sub = path.join(checkout, 'some', 'folder');
    fs.mkdirSync(sub, { recursive: true });
    const account = await loom(['account', '-o', 'json'], {}, sub);
    expect(JSON.parse(account.stdout).tenantId).toBe(sys.tenantId);
    expect((await loom(['admin', 'tenants', 'create', 'from dev credentials', '-o', 'json'], {}, sub)).code).toBe(0);
    const outside = await loom(['account']);
    expect(outside.code).toBe(2);
    expect(outside.stderr).toContain('no gateway URL');
  });

  it('prints its help and exits 0', async () => {
    const r = await loom(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['tasks', 'batches', 'account', 'admin']) expect(r.stdout).toContain(c);
  });
});
