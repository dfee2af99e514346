// `loom`: the command line of the Loom task API, on @loom/client. Data goes to stdout in the
// --output format, messages to stderr. Exit codes a script can rely on:
//   0  done (with --wait or watch: the task succeeded)
//   1  the request failed (the API's error code is printed), or the gateway was unreachable
//   2  bad usage (unknown flag, unreadable --input, no URL or key)
//   3  with --wait, watch or wait: the task finished but did not succeed (failed or cancelled)
import fs from 'node:fs';
import { Command, Option } from 'commander';
import { SingleBar } from 'cli-progress';
import { createLoomClient, TERMINAL_STATUSES, type LoomClient, type SubmitManyOutcome, type Task, type TaskLogLine, type TenantLimits, type ApiKey } from '../client';
import { isLoomApiError, LoomApiError } from '../errors';
import type { LiveEvent } from '../live';
import { createOutput, OUTPUT_FORMATS, type Column, type Output, type OutputFormat } from './output';
import { resolveSettings } from './settings';
import { lineOf, parseTaskLines, type TaskLine } from './task-lines';
import { UsageError } from './usage-error';

const TERMINAL_EVENTS = new Set(['task.succeeded', 'task.failed', 'task.cancelled']);

export const EXIT = { OK: 0, REQUEST_FAILED: 1, USAGE: 2, TASK_NOT_SUCCEEDED: 3 } as const;

const taskColumns: Column<Task>[] = [
  { header: 'id', value: (t) => t.id },
  { header: 'type', value: (t) => t.type },
  { header: 'status', value: (t) => t.status },
  { header: 'progress', value: (t) => `${t.progress}%` },
  { header: 'attempts', value: (t) => `${t.attempts}/${t.maxAttempts}` },
  { header: 'created', value: (t) => t.createdAt },
  { header: 'error', value: (t) => (t.error ? `${t.error.code}: ${t.error.message}` : null) },
];
const taskDetail: Column<Task>[] = [
  ...taskColumns.slice(0, 5),
  { header: 'message', value: (t) => t.message },
  { header: 'price', value: (t) => t.price },
  { header: 'batch', value: (t) => t.batchId },
  { header: 'created', value: (t) => t.createdAt },
  { header: 'started', value: (t) => t.startedAt },
  { header: 'finished', value: (t) => t.finishedAt },
  { header: 'input', value: (t) => t.input },
  { header: 'result', value: (t) => t.result },
  { header: 'outputs', value: (t) => (t.outputs.length ? t.outputs : null) },
  { header: 'error', value: (t) => t.error },
  { header: 'queue', value: (t) => t.queue ?? null },
];
/** One line of submit-many's file and what it got: its task, or its error. */
type LineResult = { line: number; created: boolean; task: Task } | { line: number; error: { code: string; message: string; details?: unknown } };
const lineColumns: Column<LineResult>[] = [
  { header: 'line', value: (r) => r.line },
  { header: 'id', value: (r) => ('task' in r ? r.task.id : null) },
  { header: 'type', value: (r) => ('task' in r ? r.task.type : null) },
  { header: 'status', value: (r) => ('task' in r ? r.task.status : null) },
  { header: 'created', value: (r) => ('task' in r ? (r.created ? 'yes' : 'no (its idempotency key was used before)') : null) },
  { header: 'error', value: (r) => ('error' in r ? `${r.error.code}: ${r.error.message}` : null) },
];
const lineResultsOf = (lines: TaskLine[], outcomes: SubmitManyOutcome[]): LineResult[] =>
  outcomes.map((o, i) => {
    const line = lines[i]!.line;
    if ('task' in o) return { line, created: o.created, task: o.task };
    return { line, error: { code: o.error.code, message: lineOf(lines, o.error.message), ...(o.error.details === undefined ? {} : { details: o.error.details }) } };
  });
/** A refusal naming `tasks.<i>` as the lines of the file. */
function inLines(lines: TaskLine[], err: LoomApiError): LoomApiError {
  const details = Array.isArray(err.details) ? (err.details as { path: string; message: string }[]).map((d) => ({ ...d, path: lineOf(lines, d.path) })) : err.details;
  return new LoomApiError(err.code, err.status, lineOf(lines, err.message), details, err.retryAfterMs);
}

const logColumns: Column<TaskLogLine>[] = [
  { header: 'time', value: (l) => l.timestamp },
  { header: 'level', value: (l) => l.level.toUpperCase().padEnd(5) },
  { header: 'message', value: (l) => (l.data === undefined ? l.message : `${l.message} ${JSON.stringify(l.data)}`) },
];
const eventColumns: Column<LiveEvent>[] = [
  { header: 'time', value: (e) => e.occurredAt },
  { header: 'event', value: (e) => e.event },
  { header: 'detail', value: (e) => describeEvent(e) },
];

interface Globals {
  url?: string;
  apiKey?: string;
  profile?: string;
  output: OutputFormat;
}

/** JSON from the flag itself, from @file, or from stdin (-). */
function readJson(value: string, flag: string): unknown {
  let text = value;
  if (value === '-') text = fs.readFileSync(0, 'utf8');
  else if (value.startsWith('@')) {
    try {
      text = fs.readFileSync(value.slice(1), 'utf8');
    } catch (err) {
      throw new UsageError(`${flag}: cannot read ${value.slice(1)}: ${err instanceof Error ? err.message : err}`);
    }
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${flag}: not valid JSON (${err instanceof Error ? err.message : err})`);
  }
}

const integer = (flag: string) => (v: string) => {
  if (!/^-?\d+$/.test(v)) throw new UsageError(`${flag}: not an integer: ${v}`);
  return Number(v);
};

function describeEvent(e: LiveEvent): string {
  const p = (e.payload ?? {}) as Record<string, unknown>;
  if (e.event === 'task.snapshot') return `${(p as Task).status} ${(p as Task).progress}%`;
  if (e.event === 'task.progress') return `${p.progress}%${p.message ? ` ${p.message}` : ''}`;
  if (e.event === 'task.log') return `${String(p.level).toUpperCase()} ${p.message}`;
  if (e.event === 'task.failed' || e.event === 'task.retry_scheduled') return JSON.stringify(p.error ?? p);
  return '';
}

/** Follows a task to its end: a progress bar on a terminal, else one line per event. Returns the final task. */
async function followTask(client: LoomClient, id: string, out: Output, opts: { quiet?: boolean } = {}): Promise<Task> {
  const bar = !opts.quiet && out.format === 'table' && process.stderr.isTTY ? new SingleBar({ format: '{bar} {percentage}% | {status} {message}', stream: process.stderr, hideCursor: true }) : undefined;
  bar?.start(100, 0, { status: 'pending', message: '' });
  try {
    return await client.tasks.wait(id, {
      onReconnect: (err, n) => out.message(`[loom] event stream interrupted (${err instanceof Error ? err.message : err}); reconnecting (${n})`),
      onEvent: (e) => {
        if (opts.quiet) return;
        if (!bar) return out.line(e, eventColumns);
        const p = (e.payload ?? {}) as Record<string, unknown>;
        if (e.event === 'task.snapshot') bar.update((p as Task).progress, { status: (p as Task).status, message: (p as Task).message ?? '' });
        else if (e.event === 'task.progress') bar.update(Number(p.progress), { status: 'running', message: p.message ?? '' });
        else if (e.event.startsWith('task.')) bar.update({ status: e.event.slice(5), message: '' });
      },
    });
  } finally {
    bar?.stop();
  }
}

function exitForTask(task: Task): number {
  return task.status === 'succeeded' ? EXIT.OK : EXIT.TASK_NOT_SUCCEEDED;
}

export function buildProgram(run: { exitCode: number }): Command {
  const program = new Command('loom')
    .description('The Loom task API from the command line: submit, follow, cancel and retry tasks; batches, credits and tenants.')
    .addOption(new Option('--url <url>', 'the gateway (default: $LOOM_URL, a profile, or the npm start gateway inside the repository)'))
    .addOption(new Option('--api-key <key>', 'an API key (default: $LOOM_API_KEY, a profile, or the npm start key)'))
    .addOption(new Option('--profile <name>', 'a profile of the config file ($LOOM_CONFIG or ~/.config/loom/config.json): {"profiles": {"<name>": {"url", "apiKey"}}}'))
    .addOption(new Option('-o, --output <format>', 'table, json or jsonl').choices(OUTPUT_FORMATS).default('table'))
    .showHelpAfterError()
    .exitOverride()
    .addHelpText('after', '\nExit codes: 0 done, 1 request failed, 2 bad usage, 3 (--wait, watch) the task did not succeed.');

  const ctx = (operator = false) => {
    const g = program.opts<Globals>();
    const settings = resolveSettings({ url: g.url, apiKey: g.apiKey, profile: g.profile, operator });
    return { client: createLoomClient({ url: settings.url, apiKey: settings.apiKey }), out: createOutput(g.output) };
  };

  const tasks = program.command('tasks').description('submit, list, follow, cancel and retry tasks');
  tasks
    .command('submit <type>')
    .description('submit a task of a configured type (GET /v1/task-types lists them)')
    .option('--input <json>', "the task's input: JSON, @file.json, or - for stdin", '{}')
    .option('--idempotency-key <key>', 'a repeated key returns the task it created first')
    .option('--timeout-ms <ms>', "instead of the type's timeout", integer('--timeout-ms'))
    .option('--priority <n>', '-100 to 100 (default 0)', integer('--priority'))
    .option('--wait', 'follow it to its end; exit 3 unless it succeeded')
    .action(async (type: string, o: { input: string; idempotencyKey?: string; timeoutMs?: number; priority?: number; wait?: boolean }) => {
      const input = readJson(o.input, '--input');
      const { client, out } = ctx();
      const task = await client.tasks.submit(type as never, input as never, { idempotencyKey: o.idempotencyKey, timeoutMs: o.timeoutMs, priority: o.priority });
      if (!o.wait) return out.item(task, taskDetail);
      out.message(`[loom] submitted ${task.id}; waiting for it to finish`);
      const done = await followTask(client, task.id, out, { quiet: out.format !== 'table' });
      out.item(done, taskDetail);
      run.exitCode = exitForTask(done);
    });
  tasks
    .command('submit-many')
    .description("submit the tasks of a JSON Lines file, one {type, input, idempotencyKey?, timeoutMs?, priority?} a line (500 a request); prints each line's task")
    .requiredOption('--file <path>', 'the JSON Lines file, or - for stdin')
    .addHelpText(
      'after',
      [
        '',
        'A bad line (not JSON, not a task) is reported with its number and nothing is sent. Each request of',
        '500 is all or nothing: a refusal (the input of some line, credits, limits) creates none of its tasks,',
        'names the line, and exits 1 after printing the tasks of the requests before it. A line whose write',
        'alone failed is printed with its error, and the exit code is 1. With an idempotency key on every line,',
        'sending the file again is safe: lines already submitted answer with their task (created: no).',
        '',
        'Example: {"type":"demo.image","input":{"ms":500},"idempotencyKey":"img-1"}',
      ].join('\n'),
    )
    .action(async (o: { file: string }) => {
      let text: string;
      try {
        text = fs.readFileSync(o.file === '-' ? 0 : o.file, 'utf8');
      } catch (err) {
        throw new UsageError(`--file: cannot read ${o.file}: ${err instanceof Error ? err.message : err}`);
      }
      const lines = parseTaskLines(text, o.file === '-' ? 'stdin' : o.file);
      const { client, out } = ctx();
      let outcomes: SubmitManyOutcome[];
      try {
        outcomes = await client.tasks.submitMany(lines.map((l) => l.task));
      } catch (err) {
        if (!isLoomApiError(err)) throw err;
        const before = err.submittedBefore ?? [];
        if (before.length > 0) {
          out.list(lineResultsOf(lines, before), lineColumns);
          const from = lines[before.length]!.line;
          const rest = err.code === 'NETWORK' ? `the request from line ${from} may or may not have been written, the lines after it were not sent` : `from line ${from} on, nothing was created`;
          out.message(`[loom] lines ${lines[0]!.line} to ${lines[before.length - 1]!.line} were submitted; ${rest}`);
        }
        throw inLines(lines, err);
      }
      const results = lineResultsOf(lines, outcomes);
      out.list(results, lineColumns);
      if (results.some((r) => 'error' in r)) run.exitCode = EXIT.REQUEST_FAILED;
    });
  tasks
    .command('list')
    .description('tasks, newest first')
    .addOption(new Option('--status <status>', 'only this status').choices(['pending', 'queued', 'running', 'succeeded', 'failed', 'cancelled']))
    .option('--type <type>', 'only this type')
    .option('--batch <id>', 'only the items of this batch')
    .option('--search <words>', 'id, idempotency key, or words of the input')
    .option('--limit <n>', 'at most this many (default 20)', integer('--limit'), 20)
    .action(async (o: { status?: Task['status']; type?: string; batch?: string; search?: string; limit: number }) => {
      const { client, out } = ctx();
      const rows: Task[] = [];
      for await (const t of client.tasks.list({ status: o.status, type: o.type, batchId: o.batch, q: o.search }, { limit: o.limit })) rows.push(t);
      out.list(rows, taskColumns);
    });
  tasks
    .command('get <id>')
    .description('one task')
    .action(async (id: string) => {
      const { client, out } = ctx();
      out.item(await client.tasks.get(id), taskDetail);
    });
  tasks
    .command('logs <id>')
    .description("a task's log lines, oldest first")
    .option('-f, --follow', 'keep printing new lines until the task ends')
    .action(async (id: string, o: { follow?: boolean }) => {
      const { client, out } = ctx();
      if (!o.follow) return out.list(await client.tasks.logs(id), logColumns);
      const printed = new Set<string>();
      const key = (l: TaskLogLine) => `${l.timestamp}|${l.level}|${l.message}`;
      const print = (l: TaskLogLine) => {
        if (printed.has(key(l))) return;
        printed.add(key(l));
        out.line(l, logColumns);
      };
      // Each snapshot (the first, and after a reconnect that could not replay) reads the logs
      // again; task.log events in between print at once; a line is printed once either way.
      const ac = new AbortController();
      const onReconnect = (err: unknown, n: number) => out.message(`[loom] event stream interrupted (${err instanceof Error ? err.message : err}); reconnecting (${n})`);
      for await (const e of client.tasks.watch(id, { signal: ac.signal, onReconnect })) {
        if (e.event === 'task.log') print(e.payload as TaskLogLine);
        else if (e.event === 'task.snapshot') {
          for (const l of await client.tasks.logs(id)) print(l);
          if (TERMINAL_STATUSES.includes((e.payload as Task).status)) break;
        } else if (TERMINAL_EVENTS.has(e.event) && TERMINAL_STATUSES.includes((await client.tasks.get(id)).status)) break;
      }
      ac.abort();
      for (const l of await client.tasks.logs(id)) print(l);
    });
  tasks
    .command('watch <id>')
    .description('follow a task to its end: a progress bar on a terminal, one line per event otherwise; exit 3 unless it succeeded')
    .action(async (id: string) => {
      const { client, out } = ctx();
      const done = await followTask(client, id, out);
      if (out.format === 'table') out.message(`[loom] ${done.id} ${done.status}${done.error ? `: ${done.error.code} ${done.error.message}` : ''}`);
      else out.line(done, taskColumns);
      run.exitCode = exitForTask(done);
    });
  tasks
    .command('wait <id>')
    .description('wait for a task to end and print it; exit 3 unless it succeeded')
    .action(async (id: string) => {
      const { client, out } = ctx();
      const done = await client.tasks.wait(id);
      out.item(done, taskDetail);
      run.exitCode = exitForTask(done);
    });
  tasks
    .command('cancel [ids...]')
    .description('cancel tasks by id, every task of some types (--type), or all (--all --yes)')
    .option('--type <type...>', 'every unfinished task of these types')
    .option('--all', 'every unfinished task (needs --yes)')
    .option('--yes', 'confirm --all')
    .option('--dry-run', 'only count what would be cancelled')
    .action(async (ids: string[], o: { type?: string[]; all?: boolean; yes?: boolean; dryRun?: boolean }) => {
      const given = [ids.length > 0, !!o.type, !!o.all].filter(Boolean).length;
      if (given !== 1) throw new UsageError('give task ids, --type, or --all (exactly one)');
      if (o.all && !o.yes && !o.dryRun) throw new UsageError('--all cancels every unfinished task: add --yes (or --dry-run to count them)');
      const { client, out } = ctx();
      const dryRun = o.dryRun ? { dryRun: true } : {};
      if (ids.length === 1 && !o.dryRun) {
        const r = await client.tasks.cancel(ids[0]!);
        return out.item(r, [{ header: 'id', value: (x) => x.id }, { header: 'status', value: (x) => x.status }]);
      }
      const body = ids.length ? { ids, ...dryRun } : o.type ? { types: o.type, ...dryRun } : { all: true as const, ...dryRun };
      const r = await client.tasks.cancelMany(body);
      out.item(r, [
        { header: 'matched', value: (x) => x.matched },
        { header: 'cancelled', value: (x) => x.cancelled.join(' ') || null },
        { header: 'not found', value: (x) => x.notFound.join(' ') || null },
        { header: 'dry run', value: (x) => x.dryRun },
      ]);
    });
  tasks
    .command('retry <ids...>')
    .description('retry failed or cancelled tasks as a new attempt')
    .action(async (ids: string[]) => {
      const { client, out } = ctx();
      if (ids.length === 1) return out.item(await client.tasks.retry(ids[0]!), taskDetail);
      const r = await client.tasks.retryMany({ ids });
      out.item(r, [
        { header: 'retried', value: (x) => x.retried.join(' ') || null },
        { header: 'not retried', value: (x) => (x.notRetried.length ? x.notRetried.map((n) => `${n.id} (${n.code})`).join(' ') : null) },
      ]);
      if (r.notRetried.length > 0) run.exitCode = EXIT.REQUEST_FAILED;
    });

  const batches = program.command('batches').description('batches of tasks of one type');
  batches
    .command('submit <type>')
    .description('submit a batch: --items is a JSON array of inputs')
    .requiredOption('--items <json>', 'the inputs: a JSON array, @file.json, or - for stdin')
    .option('--idempotency-key <key>', 'a repeated key returns the batch it created first')
    .action(async (type: string, o: { items: string; idempotencyKey?: string }) => {
      const items = readJson(o.items, '--items');
      if (!Array.isArray(items)) throw new UsageError('--items: a JSON array of inputs');
      const { client, out } = ctx();
      const b = await client.batches.submit(type as never, items as never, { idempotencyKey: o.idempotencyKey });
      out.item(b, [
        { header: 'batch', value: (x) => x.batchId },
        { header: 'price', value: (x) => x.price },
        { header: 'tasks', value: (x) => x.taskIds.join(' ') },
      ]);
    });
  batches
    .command('get <id>')
    .description('a batch: its items per status and its settlement')
    .action(async (id: string) => {
      const { client, out } = ctx();
      const b = await client.batches.get(id);
      out.item(b, [
        { header: 'batch', value: (x) => x.batchId },
        { header: 'type', value: (x) => x.type },
        { header: 'size', value: (x) => x.size },
        { header: 'counts', value: (x) => Object.entries(x.counts).filter(([, n]) => n > 0).map(([s, n]) => `${s} ${n}`).join(', ') },
        { header: 'settlement', value: (x) => x.settlement },
        { header: 'created', value: (x) => x.createdAt },
      ]);
    });

  const ledgerColumns: Column<import('../client').LedgerEntry>[] = [
    { header: 'seq', value: (e) => e.seq },
    { header: 'kind', value: (e) => e.kind },
    { header: 'amount', value: (e) => e.amount },
    { header: 'balance', value: (e) => e.balanceAfter },
    { header: 'held', value: (e) => e.heldAfter },
    { header: 'task', value: (e) => e.taskId },
    { header: 'time', value: (e) => e.createdAt },
  ];
  const accountColumns: Column<import('../client').Account>[] = [
    { header: 'tenant', value: (a) => a.tenantId },
    { header: 'balance', value: (a) => a.balance },
    { header: 'held', value: (a) => a.held },
  ];
  const account = program
    .command('account')
    .description("the caller's credits")
    .action(async () => {
      const { client, out } = ctx();
      out.item(await client.account.get(), accountColumns);
    });
  account
    .command('ledger')
    .description("the caller's ledger, newest first")
    .option('--limit <n>', 'at most this many (default 50)', integer('--limit'), 50)
    .action(async (o: { limit: number }) => {
      const { client, out } = ctx();
      const rows = [];
      for await (const e of client.account.ledger({ limit: o.limit })) rows.push(e);
      out.list(rows, ledgerColumns);
    });

  const limitsColumns: Column<TenantLimits>[] = [
    { header: 'tenant', value: (l) => l.tenantId },
    { header: 'submits/s', value: (l) => (l.submitsPerSecond > 0 ? l.submitsPerSecond : 'no limit') },
    { header: 'burst', value: (l) => l.burst },
    { header: 'max waiting', value: (l) => (l.maxWaiting > 0 ? l.maxWaiting : 'no limit') },
    { header: 'own', value: (l) => Object.keys(l.overrides).join(', ') || '(defaults)' },
  ];
  account
    .command('limits')
    .description("the caller's submission limits (over one, a submit is refused with 429 and a time to retry after)")
    .action(async () => {
      const { client, out } = ctx();
      out.item(await client.account.limits(), limitsColumns);
    });

  const admin = program.command('admin').description('operators: tenants, their credits, limits and API keys');
  const tenants = admin.command('tenants').description('tenants');
  tenants
    .command('create <name>')
    .description("create a tenant and its first API key (shown once)")
    .action(async (name: string) => {
      const { client, out } = ctx(true);
      const t = await client.admin.createTenant(name);
      out.item(t, [
        { header: 'tenant', value: (x) => x.tenantId },
        { header: 'name', value: (x) => x.name },
        { header: 'api key', value: (x) => x.apiKey },
      ]);
    });
  tenants
    .command('credits <tenantId>')
    .description("a tenant's credits; with --amount, grant (> 0) or deduct (< 0) them first")
    .option('--amount <n>', 'credits to grant or deduct', integer('--amount'))
    .option('--reason <text>', 'why (needed with --amount)')
    .option('--idempotency-key <key>', 'a repeated key changes nothing')
    .action(async (tenantId: string, o: { amount?: number; reason?: string; idempotencyKey?: string }) => {
      const { client, out } = ctx(true);
      if (o.amount === undefined) return out.item(await client.admin.tenant(tenantId), accountColumns);
      if (!o.reason) throw new UsageError('--amount needs --reason');
      out.item(await client.admin.credits(tenantId, { amount: o.amount, reason: o.reason, idempotencyKey: o.idempotencyKey }), accountColumns);
    });
  /** A limit flag: a number (0: no limit) or `default` (the tenant's own value is dropped; commander turns a null into ''). */
  const limit = (flag: string, whole: boolean) => (v: string): number | 'default' => {
    if (v === 'default') return v;
    if (!(whole ? /^\d+$/ : /^\d+(\.\d+)?$/).test(v)) throw new UsageError(`${flag}: not ${whole ? 'a whole number' : 'a number'} or "default": ${v}`);
    return Number(v);
  };
  tenants
    .command('limits <tenantId>')
    .description("a tenant's submission limits; with flags, set them first (a number, 0 for no limit, or default)")
    .option('--submits-per-second <n>', 'submissions per second, across gateway replicas', limit('--submits-per-second', false))
    .option('--burst <n>', 'how many may come at once', limit('--burst', true))
    .option('--max-waiting <n>', 'most unfinished tasks', limit('--max-waiting', true))
    .action(async (tenantId: string, o: { submitsPerSecond?: number | 'default'; burst?: number | 'default'; maxWaiting?: number | 'default' }) => {
      const { client, out } = ctx(true);
      const changes = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined).map(([k, v]) => [k, v === 'default' ? null : v]));
      out.item(Object.keys(changes).length ? await client.admin.setLimits(tenantId, changes) : await client.admin.limits(tenantId), limitsColumns);
    });
  const keyColumns: Column<ApiKey>[] = [
    { header: 'key id', value: (k) => k.keyId },
    { header: 'role', value: (k) => k.role },
    { header: 'name', value: (k) => k.name },
    { header: 'created', value: (k) => k.createdAt },
    { header: 'revoked', value: (k) => k.revokedAt ?? '-' },
  ];
  tenants
    .command('keys <tenantId>')
    .description("a tenant's API keys; --issue <name> issues one (shown once), --revoke-all shuts the tenant out")
    .option('--issue <name>', 'issue a key with this name')
    .option('--operator', 'with --issue: an operator key')
    .option('--revoke-all', 'revoke every key of the tenant (its sessions and live streams end with them)')
    .action(async (tenantId: string, o: { issue?: string; operator?: boolean; revokeAll?: boolean }) => {
      const { client, out } = ctx(true);
      if (o.issue !== undefined && o.revokeAll) throw new UsageError('--issue and --revoke-all go separately');
      if (o.operator && o.issue === undefined) throw new UsageError('--operator goes with --issue');
      if (o.issue !== undefined) {
        const k = await client.admin.issueKey(tenantId, { name: o.issue, role: o.operator ? 'operator' : 'user' });
        return out.item(k, [...keyColumns.slice(0, 3), { header: 'api key', value: (x) => x.apiKey }]);
      }
      if (o.revokeAll) {
        const r = await client.admin.revokeTenantKeys(tenantId);
        return out.item(r, [
          { header: 'tenant', value: (x) => x.tenantId },
          { header: 'keys revoked', value: (x) => x.revoked },
          { header: 'sessions ended', value: (x) => x.sessionsEnded },
        ]);
      }
      out.list(await client.admin.keys(tenantId), keyColumns);
    });
  admin
    .command('revoke-key <keyId>')
    .description('revoke an API key (see admin tenants keys); its task center sessions and live streams end with it')
    .action(async (keyId: string) => {
      const { client, out } = ctx(true);
      out.item(await client.admin.revokeKey(keyId), [...keyColumns, { header: 'sessions ended', value: (x) => x.sessionsEnded }]);
    });
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const run = { exitCode: EXIT.OK as number };
  const program = buildProgram(run);
  try {
    await program.parseAsync(argv);
    return run.exitCode;
  } catch (err) {
    const e = err as { code?: string; exitCode?: number; isUsageError?: boolean };
    if (typeof e.code === 'string' && e.code.startsWith('commander.')) return e.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    if (e.isUsageError) {
      process.stderr.write(`loom: ${(err as Error).message}\n`);
      return EXIT.USAGE;
    }
    if (isLoomApiError(err)) {
      process.stderr.write(`loom: ${err.code} (HTTP ${err.status}): ${err.message}\n`);
      if (Array.isArray(err.details)) for (const d of err.details as { path?: string; message?: string }[]) process.stderr.write(`  ${d.path}: ${d.message}\n`);
      else if (err.details !== undefined) process.stderr.write(`  ${JSON.stringify(err.details)}\n`);
      return EXIT.REQUEST_FAILED;
    }
    process.stderr.write(`loom: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.REQUEST_FAILED;
  }
}

