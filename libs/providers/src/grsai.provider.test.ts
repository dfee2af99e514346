import { buildGrsaiRequest, classifyGrsaiError, createGrsaiProvider, GRSAI_POLLING, mapGrsaiResult } from './grsai.provider';
import type { ProviderEndpointConfig } from './provider-config';
import { standardWebhookHeaders } from './standard-webhooks';

const config: ProviderEndpointConfig = { baseUrl: 'https://grsai.test', apiKey: 'sk-test', timeoutMs: 1000, webhookToleranceMs: 300_000 };
const img = (n: number) => `https://img.test/${n}.jpg`;

function badInput(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toMatchObject({ name: 'ProviderError', errorClass: 'bad_input' });
    return (err as Error).message;
  }
  throw new Error('expected bad_input');
}

describe('Grsai parameter mapping', () => {
  it('sora-2: prompt, aspect ratio, duration (default 10), size small, reference image as url', () => {
    expect(buildGrsaiRequest({ prompt: 'A cinematic video', aspectRatio: '9:16', referenceUrl: img(1) }, { model: 'sora-2' }, GRSAI_POLLING)).toEqual({
      model: 'sora-2',
      path: '/v1/video/sora-video',
      body: { model: 'sora-2', prompt: 'A cinematic video', aspectRatio: '9:16', duration: 10, size: 'small', url: img(1), webHook: '-1', shutProgress: false },
    });
    const r = buildGrsaiRequest({ prompt: 'p', duration: 15 }, { model: 'sora-2' }, 'https://loom.test/cb');
    expect(r.body).toEqual({ model: 'sora-2', prompt: 'p', aspectRatio: '16:9', duration: 15, size: 'small', webHook: 'https://loom.test/cb', shutProgress: false });
  });

  it('veo-flash -> veo3.1-fast with first/last frame and reference images from meta', () => {
    const input = { prompt: 'p', aspectRatio: '16:9', meta: { firstFrameUrl: img(1), lastFrameUrl: img(2), urls: [img(3)] } };
    expect(buildGrsaiRequest(input, { model: 'veo-flash' }, GRSAI_POLLING)).toEqual({
      model: 'veo3.1-fast',
      path: '/v1/video/veo',
      body: { model: 'veo3.1-fast', prompt: 'p', aspectRatio: '16:9', firstFrameUrl: img(1), lastFrameUrl: img(2), urls: [img(3)], webHook: '-1', shutProgress: false },
    });
  });

  it('veo-pro -> veo3.1-pro; input.referenceUrl becomes urls when meta has none; no duration key', () => {
    const r = buildGrsaiRequest({ prompt: 'p', referenceUrl: img(1) }, { model: 'veo-pro' }, GRSAI_POLLING);
    expect(r.body).toEqual({ model: 'veo3.1-pro', prompt: 'p', aspectRatio: '16:9', urls: [img(1)], webHook: '-1', shutProgress: false });
    expect(r.body).not.toHaveProperty('duration');
    expect(r.body).not.toHaveProperty('size');
  });

  it('takes the model from the task type, or from the input when the type leaves it open', () => {
    expect(buildGrsaiRequest({ prompt: 'p', model: 'veo-pro' }, { model: 'sora-2' }, '-1').model).toBe('sora-2');
    expect(buildGrsaiRequest({ prompt: 'p', model: 'veo-pro' }, {}, '-1').model).toBe('veo3.1-pro');
    expect(buildGrsaiRequest({ prompt: 'p' }, { model: 'veo3.1-fast' }, '-1').model).toBe('veo3.1-fast');
  });

  it("accepts seed 003's snake_case fields and the type's default aspect ratio", () => {
    const r = buildGrsaiRequest({ prompt: 'p', aspect_ratio: '9:16', reference_url: img(1) }, { model: 'sora-2' }, '-1');
    expect(r.body).toMatchObject({ aspectRatio: '9:16', url: img(1) });
    expect(buildGrsaiRequest({ prompt: 'p' }, { model: 'veo-flash', aspectRatio: '9:16' }, '-1').body.aspectRatio).toBe('9:16');
  });

  it('rejects what cannot be sent, before any call', () => {
    expect(badInput(() => buildGrsaiRequest({ prompt: 'p', meta: { urls: [img(1), img(2), img(3), img(4)] } }, { model: 'veo-flash' }, '-1'))).toContain('at most 3');
    expect(badInput(() => buildGrsaiRequest({ prompt: 'p', duration: 10 }, { model: 'veo-pro' }, '-1'))).toContain('no duration');
    expect(badInput(() => buildGrsaiRequest({ prompt: 'p', duration: 12 }, { model: 'sora-2' }, '-1'))).toContain('input.duration');
    expect(badInput(() => buildGrsaiRequest({ prompt: 'p', aspectRatio: '1:1' }, { model: 'sora-2' }, '-1'))).toContain('input.aspectRatio');
    expect(badInput(() => buildGrsaiRequest({ prompt: '' }, { model: 'sora-2' }, '-1'))).toContain('input.prompt');
    expect(badInput(() => buildGrsaiRequest({ prompt: 'p', referenceUrl: 'file:///etc/passwd' }, { model: 'sora-2' }, '-1'))).toContain('http(s)');
    expect(badInput(() => buildGrsaiRequest({ prompt: 'p', meta: { firstFrameUrl: img(1) } }, { model: 'sora-2' }, '-1'))).toContain('Veo');
    expect(badInput(() => buildGrsaiRequest({ prompt: 'p', meta: { urls: [img(1), img(2)] } }, { model: 'sora-2' }, '-1'))).toContain('one reference image');
    expect(badInput(() => buildGrsaiRequest({ prompt: 'p' }, { model: 'kling' }, '-1'))).toContain('unknown model "kling"');
    expect(badInput(() => buildGrsaiRequest({ prompt: 'p' }, {}, '-1'))).toContain('no model');
  });
});

describe('Grsai result mapping', () => {
  it('running with progress (99 at most), succeeded with result URLs', () => {
    expect(mapGrsaiResult({ id: 'g1', status: 'running', progress: 40 })).toEqual({ externalId: 'g1', state: 'running', progress: 40 });
    expect(mapGrsaiResult({ id: 'g1', status: 'running', progress: 100 }).progress).toBe(99);
    expect(mapGrsaiResult({ id: 'g1', status: 'succeeded', progress: 100, results: [{ url: 'https://cdn.test/v.mp4' }, { url: 'https://cdn.test/v2' }] })).toEqual({
      externalId: 'g1',
      state: 'succeeded',
      progress: 100,
      outputs: [
        { url: 'https://cdn.test/v.mp4', contentType: 'video/mp4' },
        { url: 'https://cdn.test/v2', contentType: 'video/mp4' },
      ],
    });
  });

  it('violation is failed with class bad_input; a plain failure is transient unless its words say otherwise', () => {
    expect(mapGrsaiResult({ id: 'g', status: 'violation', failure_reason: 'output_moderation' })).toMatchObject({ state: 'failed', error: { class: 'bad_input' } });
    expect(mapGrsaiResult({ id: 'g', status: 'failed', failure_reason: 'error', error: 'upstream error' })).toMatchObject({ state: 'failed', error: { class: 'transient', message: 'error: upstream error' } });
    expect(mapGrsaiResult({ id: 'g', status: 'failed', failure_reason: 'input_moderation' }).error?.class).toBe('bad_input');
    expect(mapGrsaiResult({ id: 'g', status: 'failed', error: 'invalid image url' }).error?.class).toBe('bad_input');
  });

  it('an unknown status keeps the job followed', () => {
    expect(mapGrsaiResult({ id: 'g', status: 'queued' })).toMatchObject({ state: 'running' });
  });

  it.each([
    ['apikey is invalid', 'auth'],
    ['insufficient balance', 'permanent'],
    ['rate limit exceeded', 'rate_limited'],
    ['failed to generate', 'permanent'],
    ['prompt violates content policy', 'bad_input'],
    ['param error: prompt is required', 'bad_input'],
    ['system busy', 'transient'],
  ])('error "%s" -> %s', (msg, cls) => expect(classifyGrsaiError(msg)).toBe(cls));
});

describe('Grsai adapter', () => {
  it('cancel resolves without a call and logs that the reseller cannot cancel', async () => {
    const fetchImpl = jest.fn() as unknown as typeof fetch;
    const logger = { warn: jest.fn(), debug: jest.fn() };
    await expect(createGrsaiProvider(config, { fetch: fetchImpl, logger }).cancel('g1')).resolves.toBeUndefined();
    expect(fetchImpl).not.toHaveBeenCalled();
    expect(logger.warn).toHaveBeenCalledWith({ provider: 'grsai', externalId: 'g1' }, expect.stringContaining('no cancel API'));
  });

  it('bad input never reaches the provider', async () => {
    const fetchImpl = jest.fn() as unknown as typeof fetch;
    await expect(createGrsaiProvider(config, { fetch: fetchImpl }).submit({ taskId: 't', input: { prompt: 'p', duration: 15 }, settings: { model: 'veo-pro' } })).rejects.toMatchObject({ errorClass: 'bad_input' });
    expect(fetchImpl).not.toHaveBeenCalled();
  });

  it('verifies signed callbacks, bare or wrapped in {code, data}, as hints naming the job (Grsai does not sign: no status)', async () => {
    const secret = 'grsai-shared-secret-0123';
    const p = createGrsaiProvider({ ...config, webhookSecret: secret });
    const bare = Buffer.from(JSON.stringify({ id: 'g7', status: 'running', progress: 30 }));
    expect(await p.verifyWebhook(standardWebhookHeaders(secret, 'd1', bare), bare)).toEqual({ deliveryId: 'd1', externalId: 'g7' });
    const wrapped = Buffer.from(JSON.stringify({ code: 0, data: { id: 'g7', status: 'failed', error: 'forged?' } }));
    expect(await p.verifyWebhook(standardWebhookHeaders(secret, 'd2', wrapped), wrapped)).toEqual({ deliveryId: 'd2', externalId: 'g7' });
  });
});
