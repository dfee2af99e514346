// The real sandboxes (worker thread, child process) end even when their code is stuck in a
// synchronous loop, which no AbortSignal can reach: the reason sandboxed types exist. And they
// get no credentials of the executor's.
import path from 'node:path';
import type { TaskContext, TaskHandler } from '@loom/handlers';
import { z } from 'zod';
import { TaskAborted } from '../../services/executor/src/abort-reasons';
import { createSandboxedHandler, spawnSandbox, type SandboxProcess } from '../../services/executor/src/sandbox';
import { SANDBOX_ENV_KEYS } from '../../services/executor/src/sandbox/sandbox-spawn';
import { until } from '../support/until';

const spinEntry = path.join(__dirname, 'fixtures', 'spin-entry.ts');
const spinner: TaskHandler = {
  name: 'spin',
  description: 'spins (fixtures/spin-entry.ts)',
  input: z.object({}),
  run: () => Promise.reject(new Error('runs only in its sandbox')),
};

describe('sandbox processes', () => {
  afterAll(() => delete process.env.LOOM_SANDBOX_TEST_SECRET);
  it.each(['worker_thread', 'child_process'] as const)('a %s spinning in synchronous code is ended after the grace', async (isolation) => {
    const abort = new AbortController();
    const logs: string[] = [];
    let env: string[] = [];
    let sandbox: SandboxProcess | undefined;
    const ctx: TaskContext<unknown> = {
      task: { id: 't-spin', type: 'x.spin', tenantId: 'tenant-a', attempt: 1, maxAttempts: 1 },
      input: {},
      signal: abort.signal,
      progress: async () => undefined,
      log: async (_level, m, data) => {
        logs.push(m);
        env = (data as { env: string[] }).env;
      },
      recordExternalJob: async () => true,
      writeOutput: () => Promise.reject(new Error('not used')),
    };
    process.env.LOOM_SANDBOX_TEST_SECRET = 'not for sandboxes';
    const handler = createSandboxedHandler(spinner, { graceMs: 200, spawn: () => (sandbox = spawnSandbox(isolation, spinEntry)) });
    const run = handler.run(ctx);
    run.catch(() => undefined);
    await until('the sandbox to start spinning', () => (logs.includes('spinning') ? true : undefined), 20_000);
    // The executor's secrets stay with the executor (the test sets one to be sure it is not passed).
    expect(env).toContain('PATH');
    expect(env.filter((k) => !(SANDBOX_ENV_KEYS as readonly string[]).includes(k))).toEqual([]);
    expect(env).not.toContain('LOOM_SANDBOX_TEST_SECRET');
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
