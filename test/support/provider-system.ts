// A Loom system wired to the provider simulator, for the end-to-end provider tests: provider
// policies that allow the simulator's loopback outputs, a fixed gateway port when providers
// call back, and waits on what the executor recorded.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { SimulatorHandle } from '@loom/provider-simulator';
import { TestSystem } from './system';
import { until } from './until';

export { until };

export type PolicyOverrides = Partial<Record<'replicate' | 'runninghub' | 'grsai', Record<string, unknown>>>;

/** A providers.json for the simulator (outputs from 127.0.0.1), with per-provider overrides. */
export function providersFile(overrides: PolicyOverrides = {}): string {
  const policy = { maxInFlight: 20, callsPerSecond: 50, pollEveryMs: 300, outputs: { allowedHosts: ['127.0.0.1'], allowPrivateNetworks: true, maxBytes: 512 * 1024 ** 2, timeoutMs: 120_000 } };
  const providers = Object.fromEntries((['replicate', 'runninghub', 'grsai'] as const).map((p) => [p, { ...policy, ...overrides[p] }]));
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'loom-providers-')), 'providers.json');
  fs.writeFileSync(file, JSON.stringify({ providers }));
  return file;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export interface ProviderSystemOptions {
  types: Record<string, Record<string, unknown>>;
  /** Providers call back at the gateway (webhook mode); otherwise tasks are followed by polling. */
  webhooks: boolean;
  policies?: PolicyOverrides;
  env?: Record<string, string>;
}

export async function startProviderSystem(prefix: string, sim: SimulatorHandle, o: ProviderSystemOptions): Promise<TestSystem> {
  const port = await freePort();
  return TestSystem.start(prefix, {
    types: o.types,
    env: {
      ...sim.providerEnv(),
      LOOM_PROVIDERS_FILE: providersFile(o.policies),
      GATEWAY_PORT: String(port),
      ...(o.webhooks ? { PUBLIC_BASE_URL: `http://127.0.0.1:${port}` } : {}),
      STATUS_SYNC_TICK_MS: '200',
      INGEST_LEASE_MS: '3000',
      ...o.env,
    },
  });
}

/** The provider job id the executor recorded on the task. */
export function waitForExternalId(sys: TestSystem, taskId: string, timeoutMs = 30_000): Promise<string> {
  return until(`task ${taskId} to record its provider job`, async () => (await sys.store.tasks.get(taskId))?.externalId ?? undefined, timeoutMs);
}
