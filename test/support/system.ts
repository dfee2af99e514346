// A whole Loom system for an end-to-end test: the five services as real processes on the
// real servers, with a namespace, a database and task types of the test's own, and a small
// API client. Logs go to .cache/test-logs/<namespace>/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createBilling, type Billing, type ReconcileReport } from '@loom/billing';
import { cachePath, startServiceProcess, type ServiceName, type ServiceProcess } from '@loom/dev-infra';
import { createObjectStorage, outputKey } from '@loom/storage';
import { connectMongo, createStore, type Store } from '@loom/store';
import type { Connection } from 'mongoose';
import { mongoUrlFor, servers, uniqueName } from './servers';

export interface SystemOptions {
  /** task types file content: { types: {...} } */
  types: Record<string, Record<string, unknown>>;
  env?: Record<string, string>;
  /** Executor replicas, by instance id (default one: "executor-1"). */
  executors?: string[];
}

export interface TaskJson {
  id: string;
  type: string;
  status: string;
  progress: number;
  attempts: number;
  error?: { code: string; message: string; retryable: boolean } | null;
  startedAt?: string | null;
  finishedAt?: string | null;
  queue?: { position: number; blockedBy: string | null };
  [k: string]: unknown;
}

export class TestSystem {
  readonly processes = new Map<string, ServiceProcess>();
  gatewayUrl = '';
  apiKey = '';
  otherTenantKey = '';
  operatorKey = '';
  /** The tenants of apiKey and otherTenantKey. */
  readonly tenantId = 'tenant-a';
  readonly otherTenantId = 'tenant-b';
  store!: Store;
  /** Settlement's collections on the test's database (reads, reconciliation). */
  billing!: Billing;
  private conn!: Connection;
  readonly env: Record<string, string>;
  readonly logDir: string;
  get typesConfig() {
    return this.opts.types;
  }

  constructor(
    readonly namespace: string,
    private readonly opts: SystemOptions,
  ) {
    const typesFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'loom-types-')), 'task-types.json');
    fs.writeFileSync(typesFile, JSON.stringify({ types: opts.types }));
    this.logDir = path.dirname(cachePath('test-logs', namespace, '.keep'));
    this.env = {
      AMQP_URL: servers.amqpUrl,
      MONGO_URL: mongoUrlFor(namespace),
      S3_ENDPOINT: servers.s3.endpoint,
      S3_REGION: servers.s3.region,
      S3_BUCKET: servers.s3.bucket,
      S3_ACCESS_KEY_ID: servers.s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: servers.s3.secretAccessKey,
      LOOM_NAMESPACE: namespace,
      LOOM_TASK_TYPES_FILE: typesFile,
      GATEWAY_PORT: '0',
      HEALTH_PORT: '0',
      LEASE_MS: '2000',
      HEARTBEAT_MS: '400',
      SCHEDULER_SWEEP_MS: '1000',
      OUTBOX_WRITER_DEAD_MS: '3000',
      EXECUTOR_DRAIN_MS: '3000',
      LOG_LEVEL: 'info',
      ...opts.env,
    };
  }

  static async start(prefix: string, opts: SystemOptions): Promise<TestSystem> {
    const sys = new TestSystem(uniqueName(prefix), opts);
    try {
      await sys.boot();
    } catch (err) {
      // A service that failed to start must not leave the others running past the test file.
      await Promise.all([...sys.processes.values()].map((p) => p.stop(15_000).catch(() => undefined)));
      await sys.deleteBrokerObjects().catch(() => undefined);
      await sys.conn?.dropDatabase().catch(() => undefined);
      await sys.conn?.close().catch(() => undefined);
      throw err;
    }
    return sys;
  }

  private async boot(): Promise<void> {
    this.conn = await connectMongo(this.env.MONGO_URL!);
    this.store = await createStore(this.conn);
    this.billing = await createBilling(this.conn);
    const [user, other, operator] = await Promise.all([
      this.store.apiKeys.issue('tenant-a', 'user', 'e2e user'),
      this.store.apiKeys.issue('tenant-b', 'user', 'e2e other tenant'),
      this.store.apiKeys.issue('ops', 'operator', 'e2e operator'),
    ]);
    this.apiKey = user.apiKey;
    this.otherTenantKey = other.apiKey;
    this.operatorKey = operator.apiKey;
    // Executors first: each declares its work queues, so the standby order is known.
    for (const id of this.opts.executors ?? ['executor-1']) await this.startService('executor', id, { LOOM_INSTANCE_ID: id });
    await Promise.all([
      this.startService('scheduler'),
      this.startService('status-sync'),
      this.startService('settlement'),
      this.startService('gateway'),
    ]);
    this.gatewayUrl = this.processes.get('gateway')!.url;
  }

  async startService(service: ServiceName, label: string = service, extraEnv: Record<string, string> = {}): Promise<ServiceProcess> {
    const p = await startServiceProcess(service, {
      env: { ...this.env, ...extraEnv },
      label,
      logFile: path.join(this.logDir, `${label}.log`),
    });
    this.processes.set(label, p);
    return p;
  }

  process(label: string): ServiceProcess {
    const p = this.processes.get(label);
    if (!p) throw new Error(`no process ${label}`);
    return p;
  }

  async request(method: string, urlPath: string, body?: unknown, key = this.apiKey): Promise<{ status: number; body: any }> {
    const res = await fetch(this.gatewayUrl + urlPath, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }

  async submit(type: string, input: unknown, extra: Record<string, unknown> = {}, key = this.apiKey): Promise<TaskJson> {
    const r = await this.request('POST', '/v1/tasks', { type, input, ...extra }, key);
    if (r.status !== 202 && r.status !== 200) throw new Error(`submit failed: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  async task(id: string): Promise<TaskJson> {
    const r = await this.request('GET', `/v1/tasks/${id}`, undefined, this.operatorKey);
    if (r.status !== 200) throw new Error(`GET task ${id}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  async waitFor(id: string, pred: (t: TaskJson) => boolean, what: string, timeoutMs = 30_000): Promise<TaskJson> {
    const deadline = Date.now() + timeoutMs;
    let last: TaskJson | undefined;
    while (Date.now() < deadline) {
      last = await this.task(id);
      if (pred(last)) return last;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`task ${id} did not become ${what} within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
  }

  waitForStatus(id: string, status: string | string[], timeoutMs?: number): Promise<TaskJson> {
    const wanted = Array.isArray(status) ? status : [status];
    return this.waitFor(id, (t) => wanted.includes(t.status), wanted.join('|'), timeoutMs);
  }

  waitForTerminal(id: string, timeoutMs?: number): Promise<TaskJson> {
    return this.waitForStatus(id, ['succeeded', 'failed', 'cancelled'], timeoutMs);
  }

  /** The operator endpoints of the credits API. */
  get operator() {
    const call = async (method: string, urlPath: string, body?: unknown) => {
      const r = await this.request(method, urlPath, body, this.operatorKey);
      if (r.status >= 300) throw new Error(`${method} ${urlPath}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    return {
      createTenant: (name: string): Promise<{ tenantId: string; name: string; apiKey: string }> => call('POST', '/v1/admin/tenants', { name }),
      /** Grants (amount > 0) or deducts (< 0); the account after it. */
      grant: (tenantId: string, amount: number, reason = 'test grant'): Promise<{ balance: number; held: number }> =>
        call('POST', `/v1/admin/tenants/${tenantId}/credits`, { amount, reason }),
      account: (tenantId: string): Promise<{ balance: number; held: number }> => call('GET', `/v1/admin/tenants/${tenantId}`),
      ledger: (tenantId: string, pageSize = 200): Promise<{ items: { id: string; kind: string; amount: number; taskId: string | null }[]; total: number }> =>
        call('GET', `/v1/admin/tenants/${tenantId}/ledger?pageSize=${pageSize}`),
    };
  }

  /** GET /v1/account with a tenant's key. */
  async account(key = this.apiKey): Promise<{ tenantId: string; balance: number; held: number }> {
    const r = await this.request('GET', '/v1/account', undefined, key);
    if (r.status !== 200) throw new Error(`GET /v1/account: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  /** Recomputes every balance from the ledger (settlement's reconciliation). */
  reconcile(opts: { repair?: boolean } = {}): Promise<ReconcileReport> {
    return this.billing.reconcile(opts);
  }

  async logsOf(id: string): Promise<{ timestamp: string; level: string; message: string }[]> {
    return (await this.request('GET', `/v1/tasks/${id}/logs`, undefined, this.operatorKey)).body;
  }

  /** The stored object of a task's output (of tenantId), or null when none was written. */
  async outputObject(taskId: string, index = 0): Promise<{ size: number; contentType?: string } | null> {
    const storage = createObjectStorage(this.env);
    try {
      return await storage.head(outputKey(this.tenantId, taskId, index));
    } finally {
      storage.close();
    }
  }

  /** Quorum queues are Raft groups: remove the test's own so runs do not pile them up. */
  async deleteBrokerObjects(): Promise<void> {
    const amqp = await import('amqplib');
    const conn = await amqp.connect(servers.amqpUrl);
    try {
      const ns = this.namespace;
      const queues = [
        ...Object.keys(this.typesConfig).map((t) => `${ns}.work.${t}`),
        `${ns}.dead`,
        ...['submitted', 'retries', 'due', 'dead'].map((p) => `${ns}.scheduler.${p}`),
        `${ns}.settlement.terminal`,
        `${ns}.status-sync.callbacks`,
      ];
      for (const q of queues) {
        const ch = await conn.createChannel();
        ch.on('error', () => undefined);
        await ch.deleteQueue(q).catch(() => undefined);
        await ch.close().catch(() => undefined);
      }
      const ch = await conn.createChannel();
      for (const e of ['events', 'work', 'dlx']) await ch.deleteExchange(`${ns}.${e}`).catch(() => undefined);
      await ch.close().catch(() => undefined);
    } finally {
      await conn.close();
    }
  }

  /** Stops everything; fails if a service died on its own during the test (a crash is a bug). */
  async stop(): Promise<void> {
    const crashed = [...this.processes.values()].filter((p) => p.child.exitCode !== null && p.child.signalCode !== 'SIGKILL');
    await Promise.all([...this.processes.values()].map((p) => p.stop(15_000)));
    await this.deleteBrokerObjects().catch(() => undefined);
    await this.conn?.dropDatabase().catch(() => undefined);
    await this.conn?.close();
    if (crashed.length) {
      throw new Error(`service(s) exited during the test: ${crashed.map((p) => `${p.name} (code ${p.child.exitCode}, log in ${this.logDir})`).join(', ')}`);
    }
  }
}

/** [start, end] of each task, in ms, for overlap checks. */
export function intervals(tasks: TaskJson[]): [number, number][] {
  return tasks.map((t) => [Date.parse(t.startedAt as string), Date.parse(t.finishedAt as string)]);
}

export function overlaps(a: [number, number], b: [number, number]): boolean {
  return a[0] < b[1] && b[0] < a[1];
}
