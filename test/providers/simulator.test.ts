// The simulator's own promises, and the adapter behaviours that depend on them: unsigned
// callbacks, concurrency limits, timeouts, caller aborts, large streamed outputs, stats, and
// the process entry point.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createProviderRegistry, type ProviderRegistry } from '@loom/providers';
import { expectedSha256, startSimulator, type SimulatorHandle } from '@loom/provider-simulator';
import { endAfterWebhook, quiet, pollToEnd, rejectionOf, sha256OfUrl, startWebhookReceiver, waitFor } from './support';

let sim: SimulatorHandle;
let providers: ProviderRegistry;
const BASE = { jobDurationMs: 400, progressSteps: 2, outputCount: 1, outputSize: 1024, latencyMs: 0, maxInFlight: 0, unsignedWebhooks: false };

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

describe('unsigned callbacks (as the real RunningHub and Grsai send them)', () => {
  it.each(['runninghub', 'grsai'] as const)('%s: authenticated by the task-bound loom_token in the callback URL; a wrong token is refused', async (name) => {
    await sim.setOptions({ unsignedWebhooks: true });
    const provider = providers(name);
    const receiver = await startWebhookReceiver(provider);
    try {
      const settings = name === 'runninghub' ? { workflowId: '1' } : { model: 'sora-2' };
      const { externalId } = await provider.submit({ taskId: 't', input: { prompt: 'p' }, settings, webhookUrl: receiver.callbackUrl });
      const { event: end, status } = await endAfterWebhook(provider, receiver, externalId);
      expect(status.state).toBe('succeeded');
      expect(end).toMatchObject({ taskId: 't' });
      expect(receiver.requests.every((r) => r.headers['webhook-signature'] === undefined)).toBe(true);
      expect(end.deliveryId).toMatch(new RegExp(`^${name}:${externalId}:`));
      const forged = await fetch(receiver.callbackUrl + '?loom_token=guess', { method: 'POST', body: receiver.requests[0]!.rawBody });
      expect(forged.status).toBe(401);
      expect(receiver.rejections.pop()).toMatchObject({ errorClass: 'auth', reason: 'forged' });
    } finally {
      await receiver.close();
    }
  });
});

describe('Replicate webhook secret', () => {
  it('is fetched once from the API when REPLICATE_WEBHOOK_SECRET is unset', async () => {
    const replicate = createProviderRegistry({ ...sim.providerEnv(), REPLICATE_WEBHOOK_SECRET: '' }, quiet)('replicate');
    const receiver = await startWebhookReceiver(replicate);
    try {
      const { externalId } = await replicate.submit({ taskId: 't', input: { prompt: 'p' }, settings: { version: 'v1' }, webhookUrl: receiver.callbackUrl });
      await waitFor('the completed webhook', () => receiver.events.find((e) => e.externalId === externalId && e.status?.state === 'succeeded'));
      expect(receiver.rejections).toEqual([]);
      expect(sim.stats().calls['replicate.webhookSecret']).toBe(1);
    } finally {
      await receiver.close();
    }
  });
});

describe('limits and time', () => {
  it.each([
    ['replicate', { model: 'a/b' }],
    ['runninghub', { workflowId: '1' }],
    ['grsai', { model: 'sora-2' }],
  ] as const)('%s: past maxInFlight a submit is rate_limited, in the provider\'s own way', async (name, settings) => {
    await sim.setOptions({ maxInFlight: 1, jobDurationMs: 5_000 });
    const provider = providers(name);
    const first = await provider.submit({ taskId: 't1', input: { prompt: 'p' }, settings });
    expect(sim.stats().inFlightByProvider[name]).toBe(1);
    expect(await rejectionOf(provider.submit({ taskId: 't2', input: { prompt: 'p' }, settings }))).toMatchObject({ errorClass: 'rate_limited', retryable: true });
    if (name !== 'grsai') {
      await provider.cancel(first.externalId);
      expect(sim.stats().inFlightByProvider[name]).toBe(0);
      await expect(provider.submit({ taskId: 't3', input: { prompt: 'p' }, settings })).resolves.toHaveProperty('externalId');
    }
  });

  it('a call slower than the timeout is transient', async () => {
    await sim.setOptions({ latencyMs: 400 });
    const slow = createProviderRegistry({ ...sim.providerEnv(), REPLICATE_TIMEOUT_MS: '100' }, quiet)('replicate');
    const err = await rejectionOf(slow.getStatus('nope'));
    expect(err).toMatchObject({ errorClass: 'transient' });
    expect(err.message).toContain('within 100 ms');
  });

  it("the caller's abort comes back as the caller's reason, not as a provider failure", async () => {
    await sim.setOptions({ latencyMs: 400 });
    const ac = new AbortController();
    const reason = new Error('task timed out');
    setTimeout(() => ac.abort(reason), 50);
    const err = await rejectionOf(providers('grsai').getStatus('nope', ac.signal));
    expect(err).toBe(reason);
  });
});

describe('outputs and stats', () => {
  it('streams a large output whose sha256 the test computes without the file', async () => {
    const size = 64 * 1024 * 1024;
    await sim.setOptions({ outputSize: size, jobDurationMs: 100 });
    const replicate = providers('replicate');
    const { externalId } = await replicate.submit({ taskId: 't', input: {}, settings: { version: 'v' } });
    const [output] = (await pollToEnd(replicate, externalId)).pop()!.outputs!;
    const expected = expectedSha256(externalId, 0, size, 'loom-sim');
    const served = (await (await fetch(`${output!.url}/sha256`)).json()) as { sha256: string; size: number };
    expect(served).toEqual({ sha256: expected, size });
    const got = await sha256OfUrl(output!.url);
    expect(got).toEqual({ sha256: expected, size, contentType: 'video/mp4' });
  });

  it('files exist only once a job succeeded', async () => {
    await sim.setOptions({ jobDurationMs: 5_000 });
    const { externalId } = await providers('grsai').submit({ taskId: 't', input: { prompt: 'p' }, settings: { model: 'sora-2' } });
    expect((await fetch(`${sim.url}/files/${externalId}/0`)).status).toBe(404);
  });

  it('counts calls per endpoint and keeps the last bodies, RunningHub\'s key masked', async () => {
    const rh = providers('runninghub');
    const { externalId } = await rh.submit({ taskId: 't', input: { prompt: 'a cat' }, settings: { workflowId: '1988', nodeMap: { prompt: { nodeId: '6', fieldName: 'text' } } } });
    await pollToEnd(rh, externalId);
    const stats = sim.stats();
    expect(stats.calls['runninghub.create']).toBe(1);
    expect(stats.calls['runninghub.status']).toBeGreaterThanOrEqual(2);
    expect(stats.calls['runninghub.outputs']).toBe(1);
    expect(stats.jobs.runninghub).toBe(1);
    expect(stats.lastRequests['runninghub.create']).toEqual({ apiKey: '***', workflowId: '1988', nodeInfoList: [{ nodeId: '6', fieldName: 'text', fieldValue: 'a cat' }] });
  });
});

describe('process entry point', () => {
  it('prints where it listens and serves until SIGTERM', async () => {
    const main = path.resolve(__dirname, '../../tools/provider-simulator/src/main.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', main], { env: { ...process.env, SIM_PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const url = await waitFor('the listening line', () => /provider-simulator listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(out)?.[1], 15_000);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
