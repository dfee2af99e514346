// The real sandboxes (worker thread, child process) end even when their code is stuck in a
// synchronous loop, which no AbortSignal can reach: the reason sandboxed types exist.
import path from 'node:path';
import type { TaskContext, TaskHandler } from '@loom/handlers';
import { z } from 'zod';
import { TaskAborted } from '../../services/executor/src/abort-reasons';
import { createSandboxedHandler, spawnSandbox, type SandboxProcess } from '../../services/executor/src/sandbox';
import { until } from '../support/until';

const spinEntry = path.join(__dirname, 'fixtures', 'spin-entry.ts');
const spinner: TaskHandler = {
  name: 'spin',
  description: 'spins (fixtures/spin-entry.ts)',
  input: z.object({}),
  run: () => Promise.reject(new Error('runs only in its sandbox')),
};

describe('sandbox processes', () => {
  it.each(['worker_thread', 'child_process'] as const)('a %s spinning in synchronous code is ended after the grace', async (isolation) => {
    const abort = new AbortController();
    const logs: string[] = [];
    let sandbox: SandboxProcess | undefined;
    const ctx: TaskContext<unknown> = {
      task: { id: 't-spin', type: 'x.spin', tenantId: 'tenant-a', attempt: 1, maxAttempts: 1 },
      input: {},
      signal: abort.signal,
      progress: async () => undefined,
      log: async (_level, m) => void logs.push(m),
      recordExternalJob: async () => true,
      writeOutput: () => Promise.reject(new Error('not used')),
    };
    const handler = createSandboxedHandler(spinner, { graceMs: 200, spawn: () => (sandbox = spawnSandbox(isolation, spinEntry)) });
    const run = handler.run(ctx);
    run.catch(() => undefined);
    await until('the sandbox to start spinning', () => (logs.includes('spinning') ? true : undefined), 20_000);
    abort.abort(new TaskAborted('cancelled'));
    await expect(run).rejects.toMatchObject({ name: 'TaskAborted', kind: 'cancelled' });
    const exit = await sandbox!.exited;
    if (isolation === 'child_process') {
      expect(exit.signal).toBe('SIGKILL');
      const pid = Number(sandbox!.describe.split(' ')[1]);
      expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
    } else expect(exit.code).toBe(1); // worker.terminate()
  });
});
