// The container image runs the executor from its bundle (dist/executor.js), and a sandboxed type's
// runs from dist/executor-sandbox.js beside it: `npm run build` must write that entry, the
// executor must find it there, and it must run a built-in handler in a worker thread and in a
// child process, speaking the protocol of this source tree.
import fs from 'node:fs';
import path from 'node:path';
import type { TaskContext } from '@loom/handlers';
import { builtInHandlers } from '@loom/handlers';
import { buildServices } from '../../scripts/build';
import { createSandboxedHandler, sandboxEntry, spawnSandbox } from '../../services/executor/src/sandbox';
import { repoRoot } from './env-coverage';

describe('the sandbox in the built image', () => {
  // Inside the repository, so the bundle's npm packages resolve from its node_modules as in the image.
  const out = path.join(repoRoot, '.cache', 'sandbox-bundle-test');
  beforeAll(async () => {
    fs.rmSync(out, { recursive: true, force: true });
    await buildServices({ outdir: out });
  });
  afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

  it('is found beside the executor bundle', () => {
    expect(fs.existsSync(path.join(out, 'executor.js'))).toBe(true);
    expect(sandboxEntry(out)).toBe(path.join(out, 'executor-sandbox.js'));
    expect(fs.existsSync(sandboxEntry(out))).toBe(true);
  });

  it.each(['worker_thread', 'child_process'] as const)('runs the sleep handler in a %s', async (isolation) => {
    const calls: string[] = [];
    const ctx: TaskContext<unknown> = {
      task: { id: 't-bundle', type: 'x.sleep', tenantId: 'tenant-a', attempt: 1, maxAttempts: 1 },
      input: { ms: 1, progressSteps: 1, writeOutput: 'from the bundle' },
      signal: new AbortController().signal,
      progress: async (p) => void calls.push(`progress ${p}`),
      log: async (_level, m) => void calls.push(m),
      recordExternalJob: async () => true,
      writeOutput: async (body, contentType) => (calls.push(`${contentType}: ${String(body)}`), { key: 'k', size: 15, sha256: 's' }),
    };
    const handler = createSandboxedHandler(builtInHandlers.sleep!, { graceMs: 1000, spawn: () => spawnSandbox(isolation, sandboxEntry(out)) });
    expect(await handler.run(ctx)).toEqual({ sleptMs: 1 });
    expect(calls).toEqual(['progress 100', 'slept 1 ms', 'text/plain: from the bundle']);
  });
});
