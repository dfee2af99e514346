// Every adapter against the provider simulator, over real HTTP: polling and webhook mode to a
// succeeded job whose output bytes match, and the failures callers must tell apart (wrong key,
// 429 with Retry-After, outage, failed jobs, cancel).
import { createProviderRegistry, type Provider, type ProviderRegistry } from '@loom/providers';
import { startSimulator, type SimulatorHandle } from '@loom/provider-simulator';
import { endAfterWebhook, quiet, pollToEnd, rejectionOf, sha256OfUrl, startWebhookReceiver, waitFor } from './support';

interface Case {
  name: 'replicate' | 'runninghub' | 'grsai';
  keyEnv: string;
  settings: Record<string, unknown>;
  input: Record<string, unknown>;
  /** Reports progress between 0 and 100 while running (RunningHub's API does not). */
  reportsProgress: boolean;
  canCancel: boolean;
}

const cases: Case[] = [
  { name: 'replicate', keyEnv: 'REPLICATE_API_TOKEN', settings: { model: 'loom/sim-video' }, input: { prompt: 'a cat' }, reportsProgress: true, canCancel: true },
  {
    name: 'runninghub',
    keyEnv: 'RUNNINGHUB_API_KEY',
    settings: { workflowId: '1988', nodeMap: { prompt: { nodeId: '6', fieldName: 'text' } } },
    input: { prompt: 'a cat' },
    reportsProgress: false,
    canCancel: true,
  },
  { name: 'grsai', keyEnv: 'GRSAI_API_KEY', settings: { model: 'veo-flash' }, input: { prompt: 'a cat', aspectRatio: '16:9' }, reportsProgress: true, canCancel: false },
];

const BASE = { jobDurationMs: 600, progressSteps: 3, outputCount: 2, outputSize: 300_000, latencyMs: 0, rateLimitRate: 0, failureRate: 0, down: false, downMode: 'refuse' as const, webhooks: true };

let sim: SimulatorHandle;
let providers: ProviderRegistry;

beforeAll(async () => {
  sim = await startSimulator(BASE);
  providers = createProviderRegistry(sim.providerEnv(), quiet);
});

afterAll(async () => {
  await sim.close();
});

beforeEach(async () => {
  await sim.setOptions(BASE);
  sim.resetStats();
});

describe.each(cases)('$name adapter against the simulator', (c) => {
  let provider: Provider;
  beforeAll(() => {
    provider = providers(c.name);
  });

  const submit = (extra: { input?: Record<string, unknown>; webhookUrl?: string } = {}) =>
    provider.submit({ taskId: `t-${Date.now()}`, input: { ...c.input, ...extra.input }, settings: c.settings, webhookUrl: extra.webhookUrl });

  it('polling mode: submit, follow to succeeded, and every output URL serves the expected bytes', async () => {
    const { externalId } = await submit();
    const seen = await pollToEnd(provider, externalId);
    const last = seen[seen.length - 1]!;
    expect(last).toMatchObject({ externalId, state: 'succeeded', progress: 100 });
    expect(seen.slice(0, -1).every((s) => s.state === 'queued' || s.state === 'running')).toBe(true);
    if (c.reportsProgress) {
      const running = seen.filter((s) => s.state === 'running' && s.progress !== undefined).map((s) => s.progress!);
      expect(running.length).toBeGreaterThan(0);
      expect([...running].sort((a, b) => a - b)).toEqual(running); // never goes back
      expect(Math.max(...running)).toBeLessThan(100);
    }
    expect(last.outputs).toHaveLength(2);
    for (const [i, output] of last.outputs!.entries()) {
      const got = await sha256OfUrl(output.url);
      expect(got.size).toBe(300_000);
      expect(got.sha256).toBe(sim.expectedSha256(externalId, i));
    }
    expect(sim.stats().inFlight).toBe(0);
  });

  it('webhook mode: signed deliveries verify through the adapter and lead to the outcome; a replay is the same delivery id', async () => {
    const receiver = await startWebhookReceiver(provider);
    try {
      const { externalId } = await submit({ webhookUrl: receiver.callbackUrl });
      const { status: end } = await endAfterWebhook(provider, receiver, externalId);
      expect(end.state).toBe('succeeded');
      expect(receiver.rejections).toEqual([]);
      // Only Replicate signs its bodies; the others' callbacks are hints without a status.
      expect(receiver.events.every((e) => (e.status !== undefined) === (c.name === 'replicate'))).toBe(true);
      expect(end.outputs).toHaveLength(2);
      expect((await sha256OfUrl(end.outputs![1]!.url)).sha256).toBe(sim.expectedSha256(externalId, 1));
      expect(new Set(receiver.events.map((e) => e.deliveryId)).size).toBe(receiver.events.length);

      const replayed = await receiver.replay(receiver.requests[receiver.requests.length - 1]!);
      expect(replayed).toBe(200);
      expect(receiver.duplicates).toHaveLength(1);
      expect(sim.stats().webhooks.failed).toBe(0);
    } finally {
      await receiver.close();
    }
  });

  it('a forged delivery is refused', async () => {
    const receiver = await startWebhookReceiver(provider);
    try {
      const res = await fetch(receiver.callbackUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'webhook-id': 'msg_forged', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': 'v1,Zm9yZ2VkIHNpZ25hdHVyZSBvZiAzMiBieXRlcyEhISE=' },
        body: JSON.stringify({ id: 'x', taskId: 'x', status: 'succeeded' }),
      });
      expect(res.status).toBe(401);
      expect(receiver.rejections[0]).toMatchObject({ errorClass: 'auth', reason: 'forged' });
    } finally {
      await receiver.close();
    }
  });

  it('a wrong API key fails with class auth and names the variable to check', async () => {
    const wrong = createProviderRegistry({ ...sim.providerEnv(), [c.keyEnv]: 'not-the-key' }, quiet)(c.name);
    const err = await rejectionOf(wrong.submit({ taskId: 't', input: c.input, settings: c.settings }));
    expect(err).toMatchObject({ name: 'ProviderError', errorClass: 'auth', retryable: false });
    expect(err.message).toContain(`check ${c.keyEnv}`);
    expect(sim.stats().unauthorized).toBe(1);
  });

  it('429 is rate_limited with Retry-After in milliseconds', async () => {
    const { externalId } = await submit();
    await sim.setOptions({ rateLimitRate: 1, retryAfterSeconds: 7 });
    const onSubmit = await rejectionOf(submit());
    expect(onSubmit).toMatchObject({ errorClass: 'rate_limited', retryAfterMs: 7000, status: 429, retryable: true });
    expect(await rejectionOf(provider.getStatus(externalId))).toMatchObject({ errorClass: 'rate_limited', retryAfterMs: 7000 });
    expect(sim.stats().rateLimited).toBe(2);
  });

  it('an outage (connection refused, then 503) is transient, and calls work again after it', async () => {
    const { externalId } = await submit();
    await sim.setOptions({ down: true });
    // The first call may still pick a pooled keep-alive socket the outage just closed ("other side closed").
    const first = await rejectionOf(provider.getStatus(externalId));
    expect(first).toMatchObject({ errorClass: 'transient', retryable: true });
    expect(first.message).toMatch(/unreachable .*(ECONNREFUSED|UND_ERR_SOCKET|ECONNRESET)/);
    const refused = await rejectionOf(provider.getStatus(externalId));
    expect(refused).toMatchObject({ errorClass: 'transient' });
    expect(refused.message).toContain('ECONNREFUSED');
    await sim.setOptions({ down: true, downMode: '503' });
    expect(await rejectionOf(provider.getStatus(externalId))).toMatchObject({ errorClass: 'transient', status: 503 });
    await sim.setOptions({ down: false });
    expect((await provider.getStatus(externalId)).externalId).toBe(externalId);
  });

  it('a failed job ends failed with a classified error', async () => {
    const { externalId } = await submit({ input: { prompt: 'a cat [sim:fail]' } });
    const last = (await pollToEnd(provider, externalId)).pop()!;
    expect(last.state).toBe('failed');
    expect(last.error?.message).toMatch(/Simulated failure/);
    expect(last.error?.class).toEqual(expect.any(String));
  });

  it(c.canCancel ? 'cancel stops the job at the provider' : 'cancel resolves without a provider call (there is no cancel API)', async () => {
    const { externalId } = await submit();
    await provider.cancel(externalId);
    if (c.canCancel) {
      expect(sim.stats().cancels[c.name]).toBe(1);
      expect(await provider.getStatus(externalId)).toMatchObject({ state: 'cancelled' });
      expect(sim.stats().inFlightByProvider[c.name]).toBe(0);
    } else {
      expect(sim.stats().cancels[c.name]).toBe(0);
      expect(Object.keys(sim.stats().calls).filter((k) => k.includes('cancel'))).toEqual([]);
      expect(sim.stats().inFlightByProvider[c.name]).toBe(1);
    }
  });
});
