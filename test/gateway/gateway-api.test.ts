// The gateway's HTTP API against the real servers: the app is built in-process with createApp
// and real dependencies (MongoDB on a database of its own, RabbitMQ under a namespace of its
// own, a task-types file with a type of its own), listening on a free port, driven with fetch,
// SSE and a WebSocket client. No executor runs in this namespace, so submitted tasks stay
// queued (types without admission rules are queued by the submit itself) unless the test moves them.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Connection } from 'mongoose';
import WebSocket from 'ws';
import { loadTaskTypes } from '@loom/config';
import { resolveHandlers } from '@loom/handlers';
import { createBus, type Bus } from '@loom/messaging';
import { connectMongo, createStore, startOutboxPublisher, type OutboxPublisher, type Store } from '@loom/store';
import { createLogger } from '@loom/telemetry';
import { createApp } from '../../services/gateway/src/http/app';
import { createAuthenticator } from '../../services/gateway/src/http/auth';
import { listen, type HttpServer } from '../../services/gateway/src/http/server';
import { createLiveHub, type LiveHub } from '../../services/gateway/src/live/live-hub';
import { subscribeLiveEvents } from '../../services/gateway/src/live/live-source';
import { attachLiveWebSocket } from '../../services/gateway/src/live/websocket';
import { createTaskCatalog } from '../../services/gateway/src/tasks/task-catalog';
import { createTaskService } from '../../services/gateway/src/tasks/task-service';
import { until } from '../support/until';
import { deleteNamespaceTopology, mongoUrlFor, servers, uniqueName } from '../support/servers';

const logger = createLogger('gateway-test', 'silent');
const type = uniqueName('sleep');

let conn: Connection;
let bus: Bus;
let store: Store;
let outbox: OutboxPublisher;
const namespace = uniqueName('gw');
let live: LiveHub;
let http: HttpServer;
let ws: { close(): void };
let baseUrl: string;
let tmpDir: string;
/** One user key per tenant, and an operator key. */
const keys: Record<'a' | 'b' | 'c' | 'operator', string> = { a: '', b: '', c: '', operator: '' };
const tenants = { a: uniqueName('tenant-a'), b: uniqueName('tenant-b'), c: uniqueName('tenant-c') };

beforeAll(async () => {
  tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gateway-test-'));
  const typesFile = path.join(tmpDir, 'task-types.json');
  fs.writeFileSync(typesFile, JSON.stringify({ types: { [type]: { handler: 'sleep', timeoutMs: 60_000, maxTimeoutMs: 120_000, maxAttempts: 2 } } }));
  const types = loadTaskTypes(typesFile);
  const catalog = createTaskCatalog(types, resolveHandlers(types));

  bus = await createBus({ url: servers.amqpUrl, namespace, logger });
  conn = await connectMongo(mongoUrlFor(uniqueName('gateway')));
  outbox = await startOutboxPublisher({ conn, publish: (entries) => bus.publish(entries), announce: (entries) => bus.announce(entries), writerName: 'gateway-test' });
  store = await createStore(conn, outbox);
  live = createLiveHub();
  await subscribeLiveEvents(bus, live, logger);

  const tasks = createTaskService({ store, catalog });
  const auth = createAuthenticator(store.apiKeys);
  const app = createApp({
    tasks,
    catalog,
    auth,
    live,
    logger,
    bodyLimit: '16kb',
    isReady: () => conn.readyState === 1 && bus.isConnected(),
  });
  http = await listen(app, 0);
  ws = attachLiveWebSocket(http.server, { auth, hub: live, tasks, logger });
  baseUrl = `http://127.0.0.1:${http.port}`;

  keys.a = (await store.apiKeys.issue(tenants.a, 'user', 'test a')).apiKey;
  keys.b = (await store.apiKeys.issue(tenants.b, 'user', 'test b')).apiKey;
  keys.c = (await store.apiKeys.issue(tenants.c, 'user', 'test c')).apiKey;
  keys.operator = (await store.apiKeys.issue('ops', 'operator', 'test operator')).apiKey;
});

afterAll(async () => {
  ws?.close();
  live?.closeAll();
  await http?.close(100);
  // The namespace's durable exchanges and dead-letter queue are this test's own: remove them.
  await deleteNamespaceTopology(namespace).catch(() => undefined);
  await outbox?.stop(1000);
  await bus?.close();
  await conn?.dropDatabase().catch(() => undefined);
  await conn?.close();
  fs.rmSync(tmpDir, { recursive: true, force: true });
});

interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

async function api<T = any>(method: string, url: string, opts: { key?: string | null; body?: unknown; raw?: string } = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = {};
  const key = opts.key === undefined ? keys.a : opts.key;
  if (key) headers.authorization = `Bearer ${key}`;
  let body: string | undefined;
  if (opts.raw !== undefined || opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = opts.raw ?? JSON.stringify(opts.body);
  }
  const res = await fetch(baseUrl + url, { method, headers, body });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

const submit = (key: string, input: unknown = { ms: 50 }, extra: Record<string, unknown> = {}) =>
  api('POST', '/v1/tasks', { key, body: { type, input, ...extra } });

async function submitted(key: string, extra: Record<string, unknown> = {}): Promise<string> {
  const r = await submit(key, { ms: 50 }, extra);
  expect(r.status).toBe(202);
  return r.body.id;
}

function expectError(r: ApiResponse, status: number, code: string) {
  expect({ status: r.status, code: r.body?.error?.code }).toEqual({ status, code });
  expect(typeof r.body.error.message).toBe('string');
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms))),
  ]);
}

describe('submitting', () => {
  it('answers 202 with the queued task, with the defaults of its input applied, and GET returns it', async () => {
    const r = await submit(keys.a, { ms: 50 }, { priority: 5 });
    expect(r.status).toBe(202);
    expect(r.headers.get('location')).toBe(`/v1/tasks/${r.body.id}`);
    expect(r.body).toMatchObject({
      type,
      tenantId: tenants.a,
      status: 'queued',
      input: { ms: 50, progressSteps: 0, failAttempts: 0 },
      attempts: 1,
      maxAttempts: 2,
      timeoutMs: 60_000,
      priority: 5,
      cancelRequested: false,
      finishedAt: null,
    });
    const got = await api('GET', `/v1/tasks/${r.body.id}`);
    expect(got.status).toBe(200);
    // GET adds why a queued task waits.
    expect(got.body).toEqual({ ...r.body, queue: expect.objectContaining({ position: expect.any(Number) }) });
  });

  it('returns the same task for a repeated idempotency key (200), and refuses the key for another request', async () => {
    const idempotencyKey = uniqueName('idem');
    const first = await submit(keys.a, { ms: 50 }, { idempotencyKey });
    const again = await submit(keys.a, { ms: 50 }, { idempotencyKey });
    expect([first.status, again.status]).toEqual([202, 200]);
    expect(again.body.id).toBe(first.body.id);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expectError(await submit(keys.a, { ms: 51 }, { idempotencyKey }), 422, 'IDEMPOTENCY_KEY_REUSED');
    // Keys are per tenant.
    const other = await submit(keys.b, { ms: 50 }, { idempotencyKey });
    expect(other.status).toBe(202);
    expect(other.body.id).not.toBe(first.body.id);
  });

  it('answers 400 naming the failing field', async () => {
    const pathsOf = (r: ApiResponse) => r.body.error.details.map((d: { path: string }) => d.path);
    const missingType = await api('POST', '/v1/tasks', { body: { input: { ms: 1 } } });
    expectError(missingType, 400, 'VALIDATION_FAILED');
    expect(pathsOf(missingType)).toEqual(['type']);

    const msAsString = await submit(keys.a, { ms: '50' });
    expectError(msAsString, 400, 'VALIDATION_FAILED');
    expect(pathsOf(msAsString)).toEqual(['input.ms']);
    expect(msAsString.body.error.message).toContain('input.ms');

    const extraField = await submit(keys.a, { ms: 50, colour: 'red' });
    expectError(extraField, 400, 'VALIDATION_FAILED');
    expect(pathsOf(extraField)).toEqual(['input.colour']);

    const tooLong = await submit(keys.a, { ms: 50 }, { timeoutMs: 120_001 });
    expect(pathsOf(tooLong)).toEqual(['timeoutMs']);

    expectError(await api('POST', '/v1/tasks', { raw: '{"type": ' }), 400, 'MALFORMED_JSON');
  });

  it('answers 422 for an unknown type and 413 for an oversized body', async () => {
    expectError(await api('POST', '/v1/tasks', { body: { type: 'no.such.type', input: {} } }), 422, 'UNKNOWN_TASK_TYPE');
    expectError(await submit(keys.a, { ms: 1, padding: 'x'.repeat(20_000) }), 413, 'PAYLOAD_TOO_LARGE');
  });
});

describe('submitting many tasks in one request (POST /v1/tasks/bulk)', () => {
  /** A tenant of its own, so that "nothing was created" is a count of its tasks. */
  async function freshTenant(): Promise<{ key: string; count: () => Promise<number> }> {
    const tenantId = uniqueName('tenant-bulk');
    const { apiKey } = await store.apiKeys.issue(tenantId, 'user', 'bulk');
    return { key: apiKey, count: async () => (await api('GET', '/v1/tasks?pageSize=1', { key: apiKey })).body.total };
  }
  const bulk = (key: string, tasks: unknown[]) => api('POST', '/v1/tasks/bulk', { key, body: { tasks } });

  it('answers 202 with each task in the order given, queued like a single submit, a used key answering with its first task', async () => {
    const t = await freshTenant();
    const idempotencyKey = uniqueName('idem');
    const first = await submit(t.key, { ms: 7 }, { idempotencyKey });
    expect(first.status).toBe(202);
    const r = await bulk(t.key, [
      { type, input: { ms: 1 } },
      { type, input: { ms: 2 }, priority: 3 },
      { type, input: { ms: 7 }, idempotencyKey },
      { type, input: { ms: 4 }, timeoutMs: 90_000 },
    ]);
    expect(r.status).toBe(202);
    expect(r.body.items.map((i: { created: boolean }) => i.created)).toEqual([true, true, false, true]);
    expect(r.body.items.map((i: { task: { input: { ms: number } } }) => i.task.input.ms)).toEqual([1, 2, 7, 4]);
    expect(r.body.items[1].task).toMatchObject({ type, status: 'queued', priority: 3, attempts: 1, timeoutMs: 60_000 });
    expect(r.body.items[2].task.id).toBe(first.body.id);
    expect(r.body.items[3].task.timeoutMs).toBe(90_000);
    expect(await t.count()).toBe(4);
    for (const item of r.body.items) {
      const got = await api('GET', `/v1/tasks/${item.task.id}`, { key: t.key });
      expect(got.body).toMatchObject({ id: item.task.id, status: 'queued', input: item.task.input });
    }
  });

  it('refuses the whole request, creating nothing, when any one item is wrong, and names the item', async () => {
    const t = await freshTenant();
    const pathsOf = (r: ApiResponse) => r.body.error.details.map((d: { path: string }) => d.path);
    const badInput = await bulk(t.key, [{ type, input: { ms: 1 } }, { type, input: { ms: 'x' } }]);
    expectError(badInput, 400, 'VALIDATION_FAILED');
    expect(pathsOf(badInput)).toEqual(['tasks.1.input.ms']);

    const tooLong = await bulk(t.key, [{ type, input: { ms: 1 } }, { type, input: { ms: 1 }, timeoutMs: 120_001 }]);
    expect(pathsOf(tooLong)).toEqual(['tasks.1.timeoutMs']);

    const unknownType = await bulk(t.key, [{ type, input: { ms: 1 } }, { type: 'no.such.type', input: {} }]);
    expectError(unknownType, 422, 'UNKNOWN_TASK_TYPE');
    expect(unknownType.body.error.message).toMatch(/^tasks\.1: unknown task type "no\.such\.type"/);

    const sameKeyTwice = await bulk(t.key, [
      { type, input: { ms: 1 }, idempotencyKey: 'k' },
      { type, input: { ms: 2 }, idempotencyKey: 'k' },
    ]);
    expect(pathsOf(sameKeyTwice)).toEqual(['tasks.1.idempotencyKey']);

    const idempotencyKey = uniqueName('idem');
    expect((await submit(t.key, { ms: 5 }, { idempotencyKey })).status).toBe(202);
    const keyReused = await bulk(t.key, [{ type, input: { ms: 1 } }, { type, input: { ms: 6 }, idempotencyKey }]);
    expectError(keyReused, 422, 'IDEMPOTENCY_KEY_REUSED');
    expect(keyReused.body.error.message).toMatch(/^tasks\.1: /);

    expectError(await bulk(t.key, []), 400, 'VALIDATION_FAILED');
    expect(await t.count()).toBe(1);
  });
});

describe('authentication and tenants', () => {
  it('answers 401 without a key or with an unknown key', async () => {
    expectError(await api('GET', '/v1/tasks', { key: null }), 401, 'UNAUTHENTICATED');
    expectError(await api('GET', '/v1/tasks', { key: 'lk_not-a-key' }), 401, 'UNAUTHENTICATED');
    expectError(await api('POST', '/v1/tasks', { key: null, body: { type, input: { ms: 1 } } }), 401, 'UNAUTHENTICATED');
  });

  it("answers 404 for another tenant's task on GET, logs and cancel; an operator sees it", async () => {
    const id = await submitted(keys.b);
    expectError(await api('GET', `/v1/tasks/${id}`, { key: keys.a }), 404, 'TASK_NOT_FOUND');
    expectError(await api('GET', `/v1/tasks/${id}/logs`, { key: keys.a }), 404, 'TASK_NOT_FOUND');
    expectError(await api('POST', `/v1/tasks/${id}/cancel`, { key: keys.a }), 404, 'TASK_NOT_FOUND');
    expectError(await api('DELETE', `/v1/tasks/${id}`, { key: keys.a }), 404, 'TASK_NOT_FOUND');
    expect((await api('GET', `/v1/tasks/${id}`, { key: keys.b })).body.status).toBe('queued');
    expect((await api('GET', `/v1/tasks/${id}`, { key: keys.operator })).body.tenantId).toBe(tenants.b);
  });
});

describe('a task', () => {
  it('shows its logs, oldest first', async () => {
    const id = await submitted(keys.a);
    await store.logs.append({ taskId: id, tenantId: tenants.a, timestamp: new Date(Date.now() - 1000), level: 'info', message: 'first' });
    await store.logs.append({ taskId: id, tenantId: tenants.a, timestamp: new Date(), level: 'warn', message: 'second', data: { n: 2 } });
    const r = await api('GET', `/v1/tasks/${id}/logs`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual([
      { timestamp: expect.any(String), level: 'info', message: 'first' },
      { timestamp: expect.any(String), level: 'warn', message: 'second', data: { n: 2 } },
    ]);
  });

  it('shows why it waits while queued', async () => {
    const id = await submitted(keys.a);
    const r = await api('GET', `/v1/tasks/${id}`);
    expect(r.body.status).toBe('queued');
    expect(r.body.queue).toEqual({ position: expect.any(Number), blockedBy: null, typicalDurationMs: null, estimatedStartInMs: null });
  });

  it('is cancelled at once while queued; cancelling it again is 409', async () => {
    const id = await submitted(keys.a);
    const r = await api('POST', `/v1/tasks/${id}/cancel`);
    expect(r).toMatchObject({ status: 200, body: { id, status: 'cancelled' } });
    expect((await api('GET', `/v1/tasks/${id}`)).body).toMatchObject({ status: 'cancelled', finishedAt: expect.any(String) });
    expectError(await api('POST', `/v1/tasks/${id}/cancel`), 409, 'TASK_FINISHED');
  });

  it('is asked to stop while running (202 cancelling)', async () => {
    const id = await submitted(keys.a);
    await store.tasks.claim(id, 1, { owner: 'test', token: 'tok', expiresAt: new Date(Date.now() + 60_000) });
    const r = await api('POST', `/v1/tasks/${id}/cancel`);
    expect(r).toMatchObject({ status: 202, body: { id, status: 'cancelling' } });
    expect((await api('GET', `/v1/tasks/${id}`)).body).toMatchObject({ status: 'running', cancelRequested: true });
  });

  it('is retried after a cancel as its next attempt; a queued one is not retryable', async () => {
    const id = await submitted(keys.a);
    expectError(await api('POST', `/v1/tasks/${id}/retry`), 409, 'TASK_NOT_RETRYABLE');
    await api('POST', `/v1/tasks/${id}/cancel`);
    const r = await api('POST', `/v1/tasks/${id}/retry`);
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ id, status: 'pending', attempts: 2, finishedAt: null });
    expectError(await api('POST', `/v1/tasks/${id}/retry`, { key: keys.b }), 404, 'TASK_NOT_FOUND');
  });

  it('is deleted once finished (204), not while queued (409)', async () => {
    const pending = await submitted(keys.a);
    expectError(await api('DELETE', `/v1/tasks/${pending}`), 409, 'TASK_NOT_FINISHED');
    const done = await submitted(keys.a);
    await api('POST', `/v1/tasks/${done}/cancel`);
    const r = await api('DELETE', `/v1/tasks/${done}`);
    expect(r.status).toBe(204);
    expectError(await api('GET', `/v1/tasks/${done}`), 404, 'TASK_NOT_FOUND');
    expectError(await api('DELETE', `/v1/tasks/${done}`), 404, 'TASK_NOT_FOUND');
  });
});

describe('many tasks', () => {
  it('bulk-cancels by ids into cancelled and notFound', async () => {
    const [a1, a2, done] = [await submitted(keys.a), await submitted(keys.a), await submitted(keys.a)];
    await api('POST', `/v1/tasks/${done}/cancel`);
    const foreign = await submitted(keys.b);
    const r = await api('POST', '/v1/tasks/cancel', { body: { ids: [a1, a2, done, foreign, 'no-such-id'] } });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ dryRun: false, matched: 5, cancelled: [a1, a2], notFound: [done, foreign, 'no-such-id'] });
    expect((await api('GET', `/v1/tasks/${foreign}`, { key: keys.b })).body.status).toBe('queued');
    expectError(await api('POST', '/v1/tasks/cancel', { body: {} }), 400, 'VALIDATION_FAILED');
    expectError(await api('POST', '/v1/tasks/cancel', { body: { ids: [a1], all: true } }), 400, 'VALIDATION_FAILED');
  });

  it('lists with filters and pagination, then cleans up and cancels all of one tenant', async () => {
    const key = keys.c;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await submitted(key, { idempotencyKey: `list-${i}` }));
    await api('POST', `/v1/tasks/${ids[0]}/cancel`, { key });
    await api('POST', `/v1/tasks/${ids[1]}/cancel`, { key });

    const page1 = await api('GET', '/v1/tasks?status=queued&pageSize=2', { key });
    expect(page1.body).toMatchObject({ page: 1, pageSize: 2, total: 3 });
    expect(page1.body.items).toHaveLength(2);
    const page2 = await api('GET', '/v1/tasks?status=queued&pageSize=2&page=2', { key });
    expect(page2.body.items).toHaveLength(1);
    expect(new Set([...page1.body.items, ...page2.body.items].map((t: { id: string }) => t.id))).toEqual(new Set(ids.slice(2)));

    expect((await api('GET', '/v1/tasks', { key })).body).toMatchObject({ page: 1, pageSize: 20, total: 5 });
    expect((await api('GET', `/v1/tasks?status=cancelled&type=${type}`, { key })).body.total).toBe(2);
    expect((await api('GET', '/v1/tasks?type=other.type', { key })).body.total).toBe(0);
    // An operator sees every tenant.
    expect((await api('GET', '/v1/tasks', { key: keys.operator })).body.total).toBeGreaterThan(5);
    expectError(await api('GET', '/v1/tasks?pageSize=101', { key }), 400, 'VALIDATION_FAILED');
    expectError(await api('GET', '/v1/tasks?page=0', { key }), 400, 'VALIDATION_FAILED');
    expectError(await api('GET', '/v1/tasks?status=done', { key }), 400, 'VALIDATION_FAILED');

    const cleaned = await api('POST', '/v1/tasks/cleanup', {
      key,
      body: { statuses: ['cancelled'], olderThan: new Date(Date.now() + 60_000).toISOString() },
    });
    expect(cleaned).toMatchObject({ status: 200, body: { deleted: 2 } });
    expect((await api('GET', '/v1/tasks', { key })).body.total).toBe(3);
    expectError(await api('POST', '/v1/tasks/cleanup', { key, body: { statuses: [], olderThan: 0 } }), 400, 'VALIDATION_FAILED');

    const all = await api('POST', '/v1/tasks/cancel', { key, body: { all: true } });
    expect(new Set(all.body.cancelled)).toEqual(new Set(ids.slice(2)));
    expect((await api('GET', '/v1/tasks?status=queued', { key })).body.total).toBe(0);
  });
});

describe('live events', () => {
  /** Opens an SSE stream; `next` resolves with the first event matching the predicate. */
  async function openSse(url: string, key: string) {
    const ac = new AbortController();
    const res = await fetch(baseUrl + url, { headers: { authorization: `Bearer ${key}` }, signal: ac.signal });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    const seen: { event: string; data: any }[] = [];
    async function next(match: (e: { event: string; data: any }) => boolean) {
      for (;;) {
        const found = seen.find(match);
        if (found) return found;
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        buffer += decoder.decode(value, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) seen.push({ event, data: JSON.parse(data) });
          else if (block.startsWith(': connected')) seen.push({ event: ':connected', data: null });
        }
      }
    }
    return { res, next, seen, close: () => ac.abort() };
  }

  it("streams the caller's tenant's events over SSE", async () => {
    const mine = await submitted(keys.a);
    const theirs = await submitted(keys.b);
    const sse = await openSse('/v1/events', keys.a);
    try {
      expect(sse.res.status).toBe(200);
      expect(sse.res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      await withTimeout(sse.next((e) => e.event === ':connected'), 5_000, 'the stream to open');
      await api('POST', `/v1/tasks/${theirs}/cancel`, { key: keys.b });
      await api('POST', `/v1/tasks/${mine}/cancel`);
      const e = await withTimeout(sse.next((x) => x.event === 'task.cancelled' && x.data.taskId === mine), 10_000, 'task.cancelled');
      expect(e.data).toMatchObject({ event: 'task.cancelled', taskId: mine, tenantId: tenants.a, payload: { type, wasRunning: false } });
      expect(typeof e.data.occurredAt).toBe('string');
      expect(sse.seen.some((x) => x.data?.taskId === theirs)).toBe(false);
    } finally {
      sse.close();
    }
  });

  it('streams one task over SSE, starting with its snapshot; 404 for a task of another tenant', async () => {
    const id = await submitted(keys.a);
    const sse = await openSse(`/v1/events?taskId=${id}`, keys.a);
    try {
      const snap = await withTimeout(sse.next((e) => e.event === 'task.snapshot'), 5_000, 'the snapshot');
      expect(snap.data.payload).toMatchObject({ id, status: 'queued' });
      await api('POST', `/v1/tasks/${id}/cancel`);
      await withTimeout(sse.next((e) => e.event === 'task.cancelled'), 10_000, 'task.cancelled');
    } finally {
      sse.close();
    }
    const foreign = await fetch(`${baseUrl}/v1/events?taskId=${id}`, { headers: { authorization: `Bearer ${keys.b}` } });
    expect(foreign.status).toBe(404);
    expect(((await foreign.json()) as { error: { code: string } }).error.code).toBe('TASK_NOT_FOUND');
  });

  it('streams over a WebSocket, with the key in the header or the query', async () => {
    const id = await submitted(keys.a);
    const socket = new WebSocket(`${baseUrl.replace('http', 'ws')}/v1/ws?taskId=${id}`, { headers: { authorization: `Bearer ${keys.a}` } });
    const messages: any[] = [];
    const waiters: (() => void)[] = [];
    socket.on('message', (raw) => {
      messages.push(JSON.parse(raw.toString()));
      waiters.splice(0).forEach((w) => w());
    });
    const waitFor = async (match: (m: any) => boolean) => {
      while (!messages.some(match)) await new Promise<void>((r) => waiters.push(r));
      return messages.find(match);
    };
    try {
      await withTimeout(new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject)), 5_000, 'the socket to open');
      expect((await withTimeout(waitFor((m) => m.event === 'task.snapshot'), 5_000, 'the snapshot')).payload.id).toBe(id);
      await api('POST', `/v1/tasks/${id}/cancel`);
      const e = await withTimeout(waitFor((m) => m.event === 'task.cancelled'), 10_000, 'task.cancelled');
      expect(e).toMatchObject({ taskId: id, tenantId: tenants.a, payload: { wasRunning: false } });
    } finally {
      socket.close();
    }

    // Browsers pass the key as ?apiKey=; a bad key is refused with 401 before any upgrade.
    const byQuery = new WebSocket(`${baseUrl.replace('http', 'ws')}/v1/ws?apiKey=${keys.a}`);
    await withTimeout(new Promise((resolve, reject) => byQuery.once('open', resolve).once('error', reject)), 5_000, 'the socket to open');
    byQuery.close();
    const refused = new WebSocket(`${baseUrl.replace('http', 'ws')}/v1/ws?apiKey=nope`);
    const status = await withTimeout(
      new Promise<number>((resolve) => refused.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)).once('error', () => resolve(-1))),
      5_000,
      'the refusal',
    );
    expect(status).toBe(401);
    refused.terminate();
  });

  it('leaves no live subscriber behind when an authenticated upgrade fails its handshake', async () => {
    await until('the streams of earlier tests to close', () => (live.size === 0 ? true : undefined));
    // Authenticated, but no Sec-WebSocket-Key: the WebSocket library refuses the handshake (400).
    const answers = await Promise.all(
      Array.from({ length: 30 }, () =>
        new Promise<string>((resolve, reject) => {
          const sock = net.connect(http.port, '127.0.0.1', () =>
            sock.write(`GET /v1/ws?apiKey=${keys.a} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\r\n`),
          );
          let text = '';
          sock.on('data', (c: Buffer) => (text += c.toString()));
          sock.on('close', () => resolve(text.split('\r\n')[0] ?? ''));
          sock.on('error', reject);
        }),
      ),
    );
    expect(new Set(answers)).toEqual(new Set(['HTTP/1.1 400 Bad Request']));
    await until('every refused upgrade to let go of its subscription', () => (live.size === 0 ? true : undefined), 5_000);
  });
});

describe('the rest of the surface', () => {
  it('lists the task types with their input schema', async () => {
    const r = await api('GET', '/v1/task-types');
    expect(r.status).toBe(200);
    expect(r.body).toEqual([
      expect.objectContaining({
        type,
        handler: 'sleep',
        concurrency: 1,
        timeoutMs: 60_000,
        maxAttempts: 2,
        inputSchema: expect.objectContaining({ type: 'object', required: ['ms'] }),
      }),
    ]);
  });

  it('serves the OpenAPI document without a key', async () => {
    const r = await api('GET', '/v1/openapi.json', { key: null });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body.paths)).toEqual(
      expect.arrayContaining(['/v1/tasks', '/v1/tasks/{id}', '/v1/tasks/{id}/cancel', '/v1/tasks/cancel', '/v1/tasks/cleanup', '/v1/events']),
    );
    // The WebSocket endpoint is not an HTTP operation OpenAPI can describe: /v1/events says where it is.
    expect(r.body.paths['/v1/ws']).toBeUndefined();
    expect(r.body.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('answers health, readiness and unknown routes', async () => {
    expect((await api('GET', '/healthz', { key: null })).status).toBe(200);
    expect(await api('GET', '/readyz', { key: null })).toMatchObject({ status: 200, body: { status: 'ready' } });
    expectError(await api('GET', '/nowhere', { key: null }), 404, 'ROUTE_NOT_FOUND');
    // A path that exists, with a method it does not have: 405 naming the methods it has.
    const patch = await api('PATCH', '/v1/tasks/x');
    expectError(patch, 405, 'METHOD_NOT_ALLOWED');
    expect(patch.headers.get('allow')).toBe('DELETE, GET, HEAD');
  });
});
