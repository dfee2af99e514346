// Revoking an API key ends what it let in, on every gateway replica: its task center sessions at
// the next request, the key itself at once where it was revoked and within the key cache's few
// seconds elsewhere, and a sign-in with it at once anywhere. Revoking all of a tenant's keys shuts
// the tenant out until a new key is issued. And the WebSocket endpoint takes the session cookie
// only from the gateway's own origin (Cross-Site WebSocket Hijacking is refused with 403).
import WebSocket from 'ws';
import { documentCheck, type DocumentCheck } from '../support/openapi-check';
import { TestSystem } from '../support/system';
import { until } from '../support/until';

describe('API key revocation and cookie WebSockets', () => {
  let sys: TestSystem;
  let second = '';
  // Every answer of `call` is checked against the OpenAPI document.
  let check: DocumentCheck;
  beforeAll(async () => {
    sys = await TestSystem.start('revoke', { types: { 'rev.work': { handler: 'sleep', maxAttempts: 1 } } });
    second = (await sys.startService('gateway', 'gateway-2')).url;
    check = await documentCheck(sys.gatewayUrl);
  });
  afterAll(() => sys?.stop());

  const call = async (base: string, method: string, p: string, auth: { key?: string; cookie?: string }, body?: unknown) => {
    const headers: Record<string, string> = {};
    if (auth.key) headers.authorization = `Bearer ${auth.key}`;
    if (auth.cookie) headers.cookie = auth.cookie;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const r = await check.recording()(base + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : null };
  };
  const signIn = async (base: string, apiKey: string) => {
    const r = await fetch(`${base}/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-loom-csrf': '1' }, body: JSON.stringify({ apiKey }) });
    return { status: r.status, cookie: (r.headers.get('set-cookie') ?? '').split(';')[0]! };
  };
  const ops = (method: string, p: string, body?: unknown) => call(sys.gatewayUrl, method, p, { key: sys.operatorKey }, body);
  const newTenant = async (name: string) => {
    const r = await ops('POST', '/v1/admin/tenants', { name });
    expect(r.status).toBe(201);
    return r.body as { tenantId: string; apiKey: string };
  };

  it('ends the sessions of a revoked key on every replica at the next request, and the key itself', async () => {
    const t = await newTenant('revoked-key');
    const keys = await ops('GET', `/v1/admin/tenants/${t.tenantId}/keys`);
    expect(keys.status).toBe(200);
    expect(keys.body).toEqual([expect.objectContaining({ tenantId: t.tenantId, role: 'user', revokedAt: null })]);
    const keyId = keys.body[0].keyId as string;
    const s = await signIn(sys.gatewayUrl, t.apiKey);
    expect(s.status).toBe(201);
    for (const base of [sys.gatewayUrl, second]) {
      expect((await call(base, 'GET', '/v1/tasks?pageSize=1', { cookie: s.cookie })).status).toBe(200);
      // The key is now in both replicas' caches.
      expect((await call(base, 'GET', '/v1/tasks?pageSize=1', { key: t.apiKey })).status).toBe(200);
    }

    const revoked = await ops('DELETE', `/v1/admin/keys/${keyId}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ keyId, tenantId: t.tenantId, sessionsEnded: 1, revokedAt: expect.any(String) });

    for (const base of [sys.gatewayUrl, second]) {
      const r = await call(base, 'GET', '/v1/tasks?pageSize=1', { cookie: s.cookie });
      expect(r.status).toBe(401);
      expect(r.body.error.message).toMatch(/session has ended/);
      expect((await call(base, 'GET', '/v1/session', { cookie: s.cookie })).status).toBe(401);
      // A sign-in reads the key afresh, even where it is still cached.
      expect((await signIn(base, t.apiKey)).status).toBe(401);
    }
    // Where it was revoked the key stops at once; another replica's cache holds it a few seconds at most.
    expect((await call(sys.gatewayUrl, 'GET', '/v1/tasks?pageSize=1', { key: t.apiKey })).status).toBe(401);
    await until('the second gateway to refuse the revoked key', async () =>
      (await call(second, 'GET', '/v1/tasks?pageSize=1', { key: t.apiKey })).status === 401 ? true : undefined,
    15_000);

    // Revoking again answers the same; an unknown id is a 404; the list shows when.
    const again = await ops('DELETE', `/v1/admin/keys/${keyId}`);
    expect(again.body).toMatchObject({ keyId, revokedAt: revoked.body.revokedAt, sessionsEnded: 0 });
    expect((await ops('DELETE', '/v1/admin/keys/no-such-key')).body.error.code).toBe('API_KEY_NOT_FOUND');
    expect((await ops('GET', `/v1/admin/tenants/${t.tenantId}/keys`)).body[0].revokedAt).toBe(revoked.body.revokedAt);
  });

  it('shuts a tenant out by revoking all its keys, until a new key is issued; only operators may', async () => {
    const t = await newTenant('shut-out');
    const issued = await ops('POST', `/v1/admin/tenants/${t.tenantId}/keys`, { name: 'second key' });
    expect(issued.status).toBe(201);
    expect(issued.body).toMatchObject({ tenantId: t.tenantId, role: 'user', name: 'second key', revokedAt: null, apiKey: expect.stringMatching(/^lk_/) });
    // A user key may not manage keys, not even its own tenant's.
    expect((await call(sys.gatewayUrl, 'DELETE', `/v1/admin/tenants/${t.tenantId}/keys`, { key: t.apiKey })).status).toBe(403);
    expect((await call(sys.gatewayUrl, 'GET', `/v1/admin/tenants/${t.tenantId}/keys`, { key: t.apiKey })).status).toBe(403);

    const a = await signIn(sys.gatewayUrl, t.apiKey);
    const b = await signIn(second, issued.body.apiKey);
    const other = await signIn(second, sys.apiKey);
    const r = await ops('DELETE', `/v1/admin/tenants/${t.tenantId}/keys`);
    expect(r.body).toEqual({ tenantId: t.tenantId, revoked: 2, sessionsEnded: 2 });
    for (const base of [sys.gatewayUrl, second]) {
      for (const s of [a, b]) expect((await call(base, 'GET', '/v1/account', { cookie: s.cookie })).status).toBe(401);
      // Another tenant's session is untouched.
      expect((await call(base, 'GET', '/v1/account', { cookie: other.cookie })).status).toBe(200);
    }
    expect((await call(sys.gatewayUrl, 'GET', '/v1/account', { key: issued.body.apiKey })).status).toBe(401);
    expect((await ops('GET', `/v1/admin/tenants/${t.tenantId}/keys`)).body.every((k: { revokedAt: string | null }) => k.revokedAt !== null)).toBe(true);

    const fresh = await ops('POST', `/v1/admin/tenants/${t.tenantId}/keys`, { name: 'after the shut-out' });
    expect((await call(second, 'GET', '/v1/account', { key: fresh.body.apiKey })).body.tenantId).toBe(t.tenantId);
    expect((await ops('POST', `/v1/admin/tenants/${t.tenantId}/keys`, { name: '' })).status).toBe(400);
  });

  it('closes the live streams a revoked key or its sessions hold open, on another replica too', async () => {
    const t = await newTenant('streams');
    const keyId = (await ops('GET', `/v1/admin/tenants/${t.tenantId}/keys`)).body[0].keyId as string;
    const s = await signIn(sys.gatewayUrl, t.apiKey);
    const ended = (what: string, p: Promise<unknown>) =>
      Promise.race([p, new Promise((_r, reject) => setTimeout(() => reject(new Error(`${what} still open 20 s after the revocation`)), 20_000).unref())]);
    const sse = async (headers: Record<string, string>) => {
      const r = await fetch(`${second}/v1/events`, { headers });
      expect(r.status).toBe(200);
      const reader = r.body!.getReader();
      // Read to the end: done once the gateway closes the stream.
      return {
        closed: (async () => {
          while (!(await reader.read()).done);
          return 'closed';
        })(),
      };
    };
    const byKey = await sse({ authorization: `Bearer ${t.apiKey}` });
    const byCookie = await sse({ cookie: s.cookie });
    const socket = new WebSocket(`${second.replace('http', 'ws')}/v1/ws`, { headers: { cookie: s.cookie, origin: second } });
    const socketClosed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));

    expect((await ops('DELETE', `/v1/admin/keys/${keyId}`)).status).toBe(200);
    expect(await ended('the SSE stream of the key', byKey.closed)).toBe('closed');
    expect(await ended('the SSE stream of the session', byCookie.closed)).toBe('closed');
    expect(await ended('the WebSocket of the session', socketClosed)).toBe(1008);
  });

  it('answered every call above as its OpenAPI document says', () => {
    expect(check.checked).toBeGreaterThan(30);
    expect(check.problems()).toEqual([]);
  });

  describe('the WebSocket endpoint', () => {
    const wsUrl = (p: string) => `${sys.gatewayUrl.replace('http', 'ws')}${p}`;
    /** Opens a socket and resolves with its first message, or with the HTTP status that refused it. */
    const handshake = (p: string, headers: Record<string, string>) =>
      new Promise<{ status: number; first?: any }>((resolve, reject) => {
        const socket = new WebSocket(wsUrl(p), { headers });
        const timer = setTimeout(() => (socket.terminate(), reject(new Error(`no answer to the handshake of ${p} within 10 s`))), 10_000);
        socket.once('unexpected-response', (_req, res) => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0 });
          socket.terminate();
        });
        socket.once('message', (raw) => {
          clearTimeout(timer);
          resolve({ status: 101, first: JSON.parse(raw.toString()) });
          socket.close();
        });
        socket.once('error', (err) => err.message.includes('Unexpected server response') || (clearTimeout(timer), reject(err)));
      });

    it('takes the session cookie from its own origin, refuses it from any other (403), and still takes keys', async () => {
      const task = await sys.submit('rev.work', { ms: 1 });
      const s = await signIn(sys.gatewayUrl, sys.apiKey);
      const own = sys.gatewayUrl;
      const opened = await handshake(`/v1/ws?taskId=${task.id}`, { cookie: s.cookie, origin: own });
      expect(opened.status).toBe(101);
      expect(opened.first).toMatchObject({ event: 'task.snapshot', payload: { id: task.id } });

      // A page elsewhere opening our socket carries the cookie: refused before any upgrade.
      expect((await handshake('/v1/ws', { cookie: s.cookie, origin: 'http://evil.example' })).status).toBe(403);
      expect((await handshake('/v1/ws', { cookie: s.cookie, origin: own, 'sec-fetch-site': 'cross-site' })).status).toBe(403);
      expect((await handshake('/v1/ws', { cookie: s.cookie, origin: 'null' })).status).toBe(403);
      expect((await handshake('/v1/ws', { cookie: s.cookie })).status).toBe(403);
      // Another tenant's task is not found through the cookie either.
      const theirs = await sys.submit('rev.work', { ms: 1 }, {}, sys.otherTenantKey);
      expect((await handshake(`/v1/ws?taskId=${theirs.id}`, { cookie: s.cookie, origin: own })).status).toBe(404);

      // Keys still work, in the header or the query, from anywhere (a browser never sends them by itself).
      expect((await handshake(`/v1/ws?taskId=${task.id}`, { authorization: `Bearer ${sys.apiKey}`, origin: 'http://elsewhere.example' })).status).toBe(101);
      expect((await handshake(`/v1/ws?taskId=${task.id}&apiKey=${sys.apiKey}`, {})).status).toBe(101);

      // Signed out: the cookie opens nothing.
      expect((await fetch(`${own}/v1/session`, { method: 'DELETE', headers: { cookie: s.cookie, 'x-loom-csrf': '1' } })).status).toBe(204);
      expect((await handshake('/v1/ws', { cookie: s.cookie, origin: own })).status).toBe(401);
    });
  });
});
