import { standardWebhookHeaders } from './standard-webhooks';
import { createReplicateProvider, mapReplicatePrediction, parseLogProgress, replicateCreateRequest } from './replicate.provider';
import type { ProviderEndpointConfig } from './provider-config';

const config: ProviderEndpointConfig = { baseUrl: 'https://api.test', apiKey: 'r8_test', timeoutMs: 1000, webhookToleranceMs: 300_000 };

async function failure(p: Promise<unknown> | (() => unknown)): Promise<Record<string, unknown>> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    return err as Record<string, unknown>;
  }
  throw new Error('expected a failure');
}

describe('Replicate status mapping', () => {
  it.each([
    ['starting', 'queued'],
    ['processing', 'running'],
    ['succeeded', 'succeeded'],
    ['failed', 'failed'],
    ['canceled', 'cancelled'],
    ['aborted', 'failed'],
    ['something-new', 'running'],
  ])('%s -> %s', (status, state) => {
    expect(mapReplicatePrediction({ id: 'p', status }).state).toBe(state);
  });

  it('aborted is a transient failure (it never ran), not a cancel', () => {
    expect(mapReplicatePrediction({ id: 'p', status: 'aborted' }).error).toMatchObject({ class: 'transient' });
  });

  it('classifies failures by their words', () => {
    expect(mapReplicatePrediction({ id: 'p', status: 'failed', error: 'CUDA out of memory' }).error?.class).toBe('transient');
    expect(mapReplicatePrediction({ id: 'p', status: 'failed', error: 'NSFW content detected' }).error?.class).toBe('bad_input');
    expect(mapReplicatePrediction({ id: 'p', status: 'failed', error: 'prompt is required' }).error?.class).toBe('bad_input');
    expect(mapReplicatePrediction({ id: 'p', status: 'failed', error: 'Something odd' }).error).toEqual({ class: 'permanent', message: 'Something odd' });
  });

  it('collects every http(s) URL of string, array and object outputs, only on success', () => {
    expect(mapReplicatePrediction({ id: 'p', status: 'succeeded', output: 'https://r.test/a.png' }).outputs).toEqual([{ url: 'https://r.test/a.png', contentType: 'image/png' }]);
    expect(mapReplicatePrediction({ id: 'p', status: 'succeeded', output: ['https://r.test/1.mp4', 'https://r.test/2'] }).outputs).toEqual([
      { url: 'https://r.test/1.mp4', contentType: 'video/mp4' },
      { url: 'https://r.test/2' },
    ]);
    const nested = { video: 'https://r.test/v.mp4', frames: ['http://r.test/f1.jpg', 'not a url', 'ftp://r.test/x'], meta: { seed: 42, thumb: 'https://r.test/t.webp' }, dup: 'https://r.test/v.mp4' };
    expect(mapReplicatePrediction({ id: 'p', status: 'succeeded', output: nested }).outputs!.map((o) => o.url)).toEqual([
      'https://r.test/v.mp4',
      'http://r.test/f1.jpg',
      'https://r.test/t.webp',
    ]);
    expect(mapReplicatePrediction({ id: 'p', status: 'processing', output: ['https://r.test/partial.png'] }).outputs).toBeUndefined();
    expect(mapReplicatePrediction({ id: 'p', status: 'succeeded', output: null }).outputs).toEqual([]);
  });

  it('reports progress from the logs and 100 on success, with the last log line as message', () => {
    const logs = 'Loading model\n 10%|#         | 1/10 [00:01<00:09]\r 45%|####5     | 45/100 [00:10<00:12, 4.4it/s]\n';
    const s = mapReplicatePrediction({ id: 'p', status: 'processing', logs });
    expect(s.progress).toBe(45);
    expect(s.message).toContain('45/100');
    expect(mapReplicatePrediction({ id: 'p', status: 'succeeded', logs }).progress).toBe(100);
  });
});

describe('parseLogProgress', () => {
  it('takes the last NN% or NN/MM', () => {
    expect(parseLogProgress('50%')).toBe(50);
    expect(parseLogProgress('step 3/4')).toBe(75);
    expect(parseLogProgress('12% ... step 7/10')).toBe(70);
    expect(parseLogProgress('7/10 then 12.5%')).toBe(12);
  });

  it('ignores dates, URL paths and impossible values, and never says 100 before success', () => {
    expect(parseLogProgress('saved 2024/05/01 to https://x.test/12/34')).toBeUndefined();
    expect(parseLogProgress('11/10 250%')).toBeUndefined();
    expect(parseLogProgress('100%|##########| 50/50')).toBe(99);
    expect(parseLogProgress('')).toBeUndefined();
    expect(parseLogProgress(null)).toBeUndefined();
  });
});

describe('Replicate create request', () => {
  const input = { prompt: 'a cat' };
  it('by version, with the webhook and every event', () => {
    expect(replicateCreateRequest({ input, settings: { version: 'abc123' }, webhookUrl: 'https://loom.test/cb' })).toEqual({
      path: '/v1/predictions',
      body: { version: 'abc123', input, webhook: 'https://loom.test/cb', webhook_events_filter: ['start', 'output', 'logs', 'completed'] },
    });
  });
  it('by official model, without a webhook in polling mode; settings.input gives defaults', () => {
    expect(replicateCreateRequest({ input, settings: { model: 'black-forest-labs/flux-schnell', input: { steps: 4, prompt: 'x' } } })).toEqual({
      path: '/v1/models/black-forest-labs/flux-schnell/predictions',
      body: { input: { steps: 4, prompt: 'a cat' } },
    });
  });
  it('owner/name:version goes by version', () => {
    expect(replicateCreateRequest({ input, settings: { model: 'stability-ai/sdxl:39ed52f2' } }).body.version).toBe('39ed52f2');
  });
  it('without version or a well-formed model it is a permanent (configuration) error', async () => {
    expect(await failure(() => replicateCreateRequest({ input, settings: {} }))).toMatchObject({ errorClass: 'permanent' });
    expect(await failure(() => replicateCreateRequest({ input, settings: { model: 'no-slash' } }))).toMatchObject({ errorClass: 'permanent' });
  });
});

describe('Replicate adapter', () => {
  const body = Buffer.from(JSON.stringify({ id: 'p9', status: 'succeeded', output: ['https://r.test/o.png'] }));

  it('without a token fails with auth naming the variable, before any call', async () => {
    const fetchImpl = jest.fn() as unknown as typeof fetch;
    const p = createReplicateProvider({ ...config, apiKey: undefined }, { fetch: fetchImpl });
    const err = await failure(p.submit({ taskId: 't', input: {}, settings: { version: 'v' } }));
    expect(err).toMatchObject({ errorClass: 'auth' });
    expect(err.message).toContain('REPLICATE_API_TOKEN');
    expect(fetchImpl).not.toHaveBeenCalled();
  });

  it('verifies a webhook with the configured secret and returns the prediction as status', async () => {
    const secret = 'whsec_' + Buffer.from('0123456789abcdef0123456789abcdef').toString('base64');
    const p = createReplicateProvider({ ...config, webhookSecret: secret });
    const event = await p.verifyWebhook(standardWebhookHeaders(secret, 'msg_9', body), body);
    expect(event).toMatchObject({ deliveryId: 'msg_9', externalId: 'p9', status: { state: 'succeeded', outputs: [{ url: 'https://r.test/o.png' }] } });
    // The same delivery again verifies to the same id: the route's durable log answers replays.
    expect((await p.verifyWebhook(standardWebhookHeaders(secret, 'msg_9', body), body)).deliveryId).toBe('msg_9');
  });

  it('fetches the signing secret once when REPLICATE_WEBHOOK_SECRET is unset', async () => {
    const secret = 'whsec_' + Buffer.from('fedcba9876543210fedcba9876543210').toString('base64');
    const fetchImpl = jest.fn(async () => new Response(JSON.stringify({ key: secret }), { status: 200 })) as unknown as typeof fetch;
    const p = createReplicateProvider(config, { fetch: fetchImpl });
    await p.verifyWebhook(standardWebhookHeaders(secret, 'a', body), body);
    await p.verifyWebhook(standardWebhookHeaders(secret, 'b', body), body);
    expect(fetchImpl).toHaveBeenCalledTimes(1);
    expect((fetchImpl as jest.Mock).mock.calls[0][0]).toBe('https://api.test/v1/webhooks/default/secret');
  });

  it('rejects a verified body that is not a prediction as bad_input', async () => {
    const secret = 'whsec_' + Buffer.from('0123456789abcdef0123456789abcdef').toString('base64');
    const p = createReplicateProvider({ ...config, webhookSecret: secret });
    const junk = Buffer.from('{"hello":1}');
    expect(await failure(p.verifyWebhook(standardWebhookHeaders(secret, 'j', junk), junk))).toMatchObject({ errorClass: 'bad_input', reason: 'malformed_body' });
  });
});
