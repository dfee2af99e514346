import { createHttpClient, parseRetryAfter, type ProviderIdentity } from './http-client';

const id: ProviderIdentity = { name: 'replicate', label: 'Replicate', apiKeyEnv: 'REPLICATE_API_TOKEN', credentialNoun: 'token' };

function client(handler: (url: string, init: RequestInit) => Response | Promise<Response>, timeoutMs = 1000) {
  const fetchImpl = (async (url: string | URL | Request, init?: RequestInit) => handler(String(url), init ?? {})) as typeof fetch;
  return createHttpClient(id, { baseUrl: 'https://api.test/', timeoutMs, headers: { authorization: 'Bearer k' } }, fetchImpl);
}

async function failure(p: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await p;
  } catch (err) {
    return err as Record<string, unknown>;
  }
  throw new Error('expected a failure');
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

describe('parseRetryAfter', () => {
  it('reads delay-seconds and HTTP dates', () => {
    expect(parseRetryAfter('7')).toBe(7000);
    expect(parseRetryAfter(' 1.5 ')).toBe(1500);
    const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:27:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});

describe('createHttpClient', () => {
  it('sends JSON with the configured headers and parses the answer', async () => {
    let seen: { url: string; init: RequestInit } | undefined;
    const call = client((url, init) => {
      seen = { url, init };
      return json(201, { id: 'p1' });
    });
    const res = await call({ method: 'POST', path: '/v1/predictions', body: { a: 1 } });
    expect(res).toMatchObject({ status: 201, body: { id: 'p1' } });
    expect(seen!.url).toBe('https://api.test/v1/predictions');
    expect(seen!.init.body).toBe('{"a":1}');
    expect(seen!.init.headers).toMatchObject({ authorization: 'Bearer k', 'content-type': 'application/json' });
  });

  it('401/403 say which variable to check', async () => {
    const err = await failure(client(() => json(401, { detail: 'Invalid token.' }))({ method: 'GET', path: '/v1/predictions/x' }));
    expect(err).toMatchObject({ name: 'ProviderError', errorClass: 'auth', status: 401 });
    expect(err.message).toBe('Replicate rejected the API token (401): check REPLICATE_API_TOKEN: Invalid token.');
    const forbidden = await failure(client(() => json(403, {}))({ method: 'GET', path: '/x' }));
    expect(forbidden).toMatchObject({ errorClass: 'auth' });
  });

  it('429 is rate_limited with Retry-After in ms (seconds or date)', async () => {
    const err = await failure(client(() => json(429, { detail: 'throttled' }, { 'retry-after': '3' }))({ method: 'POST', path: '/v1/predictions' }));
    expect(err).toMatchObject({ errorClass: 'rate_limited', retryAfterMs: 3000, status: 429 });
    expect(err.retryable).toBe(true);
    const at = new Date(Date.now() + 10_000).toUTCString();
    const dated = await failure(client(() => json(429, {}, { 'retry-after': at }))({ method: 'GET', path: '/x' }));
    expect(dated.retryAfterMs as number).toBeGreaterThan(7000);
    expect(dated.retryAfterMs as number).toBeLessThanOrEqual(10_000);
  });

  it('classifies other statuses: 5xx transient, 422 bad_input, 402 permanent', async () => {
    expect(await failure(client(() => new Response('upstream down', { status: 502 }))({ method: 'GET', path: '/x' }))).toMatchObject({ errorClass: 'transient', status: 502, maybeAccepted: true });
    expect(await failure(client(() => json(503, {}))({ method: 'GET', path: '/x' }))).toMatchObject({ errorClass: 'transient', status: 503, maybeAccepted: false });
    expect(await failure(client(() => json(422, { detail: '- version: Required' }))({ method: 'POST', path: '/x' }))).toMatchObject({ errorClass: 'bad_input' });
    expect(await failure(client(() => json(402, {}))({ method: 'POST', path: '/x' }))).toMatchObject({ errorClass: 'permanent' });
  });

  it('network errors and timeouts are transient', async () => {
    const refused = await failure(
      client(() => {
        throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
      })({ method: 'GET', path: '/x' }),
    );
    expect(refused).toMatchObject({ errorClass: 'transient', maybeAccepted: false });
    expect(refused.message).toContain('ECONNREFUSED');
    const reset = await failure(
      client(() => {
        throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } });
      })({ method: 'POST', path: '/x' }),
    );
    expect(reset).toMatchObject({ errorClass: 'transient', maybeAccepted: true });
    const slow = client(
      (_url, init) =>
        new Promise<Response>((_resolve, reject) => init.signal!.addEventListener('abort', () => reject(init.signal!.reason))),
      50,
    );
    const timedOut = await failure(slow({ method: 'GET', path: '/x' }));
    // A request that timed out may have been acted on: a submit may have made a paid job.
    expect(timedOut).toMatchObject({ errorClass: 'transient', maybeAccepted: true });
    expect(timedOut.message).toContain('within 50 ms');
  });

  it("hands the caller's own abort back untouched", async () => {
    const ac = new AbortController();
    const call = client((_url, init) => new Promise<Response>((_resolve, reject) => init.signal!.addEventListener('abort', () => reject(init.signal!.reason))));
    const reason = new Error('task cancelled');
    const p = call({ method: 'GET', path: '/x', signal: ac.signal });
    ac.abort(reason);
    expect(await failure(p)).toBe(reason);
  });

  it('a 2xx that is not JSON is transient', async () => {
    expect(await failure(client(() => new Response('<html>maintenance</html>', { status: 200 }))({ method: 'GET', path: '/x' }))).toMatchObject({ errorClass: 'transient' });
  });
});
