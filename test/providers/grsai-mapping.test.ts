// Seed 003's per-model parameter mapping, checked where it matters: in the request bodies the
// Grsai simulator received.
import { createProviderRegistry, GRSAI_POLLING, type Provider } from '@loom/providers';
import { startSimulator, type SimulatorHandle } from '@loom/provider-simulator';
import { endAfterWebhook, quiet, pollToEnd, rejectionOf, startWebhookReceiver, waitFor } from './support';

let sim: SimulatorHandle;
let grsai: Provider;
const img = (n: number) => `https://img.example/${n}.jpg`;

beforeAll(async () => {
  sim = await startSimulator({ jobDurationMs: 400, progressSteps: 2 });
  grsai = createProviderRegistry(sim.providerEnv(), quiet)('grsai');
});

afterAll(async () => {
  await sim.close();
});

beforeEach(() => sim.resetStats());

const submit = (settings: Record<string, unknown>, input: Record<string, unknown>, webhookUrl?: string) =>
  grsai.submit({ taskId: 't', settings, input, webhookUrl });

describe('Grsai parameter mapping, as the provider receives it', () => {
  it('sora-2: prompt, aspectRatio, duration, size small, the reference image as url, polling webHook', async () => {
    await submit({ model: 'sora-2' }, { prompt: 'A cinematic video', aspectRatio: '9:16', duration: 15, referenceUrl: img(1) });
    expect(sim.stats().lastRequests['grsai.sora']).toEqual({
      model: 'sora-2',
      prompt: 'A cinematic video',
      aspectRatio: '9:16',
      duration: 15,
      size: 'small',
      url: img(1),
      webHook: GRSAI_POLLING,
      shutProgress: false,
    });
  });

  it('veo-pro: veo3.1-pro with first/last frame and reference images from meta, no duration or size', async () => {
    await submit({ model: 'veo-pro' }, { prompt: 'p', aspectRatio: '16:9', meta: { firstFrameUrl: img(1), lastFrameUrl: img(2), urls: [img(3), img(4)] } });
    expect(sim.stats().lastRequests['grsai.veo']).toEqual({
      model: 'veo3.1-pro',
      prompt: 'p',
      aspectRatio: '16:9',
      firstFrameUrl: img(1),
      lastFrameUrl: img(2),
      urls: [img(3), img(4)],
      webHook: '-1',
      shutProgress: false,
    });
  });

  it('veo-flash: veo3.1-fast, the reference image becomes urls', async () => {
    await submit({ model: 'veo-flash' }, { prompt: 'p', referenceUrl: img(7) });
    expect(sim.stats().lastRequests['grsai.veo']).toEqual({ model: 'veo3.1-fast', prompt: 'p', aspectRatio: '16:9', urls: [img(7)], webHook: '-1', shutProgress: false });
  });

  it('more than 3 reference images is bad_input and never reaches the provider', async () => {
    const err = await rejectionOf(submit({ model: 'veo-flash' }, { prompt: 'p', meta: { urls: [img(1), img(2), img(3), img(4)] } }));
    expect(err).toMatchObject({ errorClass: 'bad_input', retryable: false });
    expect(sim.stats().calls['grsai.veo']).toBeUndefined();
  });

  it('webhook mode sends the callback URL with its token; a content-policy violation ends failed, bad_input', async () => {
    const receiver = await startWebhookReceiver(grsai);
    try {
      const { externalId } = await submit({ model: 'sora-2' }, { prompt: 'p [sim:violation]' }, receiver.callbackUrl);
      const webHook = String((sim.stats().lastRequests['grsai.sora'] as Record<string, unknown>).webHook);
      expect(webHook).toMatch(new RegExp(`^${receiver.callbackUrl.replace(/[.?]/g, '\\$&')}\\?loom_task=[^&]+&loom_exp=\\d+&loom_token=`));
      const { status: end } = await endAfterWebhook(grsai, receiver, externalId);
      expect(end).toMatchObject({ state: 'failed', error: { class: 'bad_input' } });
      expect(receiver.events.length).toBeGreaterThan(1); // progress callbacks too (shutProgress: false)
      const polled = (await pollToEnd(grsai, externalId)).pop()!;
      expect(polled).toMatchObject({ state: 'failed', error: { class: 'bad_input' } });
    } finally {
      await receiver.close();
    }
  });
});
