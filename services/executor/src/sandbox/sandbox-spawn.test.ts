// Where the sandbox entry is found (source under tsx, or the bundle), the start-up check when it
// is missing, what a sandbox gets of the executor's environment, and a process that never starts.
import os from 'node:os';
import path from 'node:path';
import { assertSandboxEntry, SANDBOX_BUNDLE, sandboxEntry, sandboxEnv, spawnSandbox } from './sandbox-spawn';

describe('sandbox entry and environment', () => {
  it('runs the TypeScript entry from source and the bundle beside dist/executor.js', () => {
    expect(sandboxEntry()).toBe(path.join(__dirname, 'sandbox-entry.ts'));
    const dist = path.join(os.tmpdir(), 'no-such-dist');
    expect(sandboxEntry(dist)).toBe(path.join(dist, SANDBOX_BUNDLE));
  });

  it('refuses at start-up an entry that is missing, naming it and how it is built', () => {
    const missing = path.join(os.tmpdir(), 'no-such-dist', SANDBOX_BUNDLE);
    expect(() => assertSandboxEntry(missing)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining(`${missing}, which is missing (npm run build writes dist/`) }));
    expect(assertSandboxEntry()).toBe(sandboxEntry());
  });

  it('passes on how to run, and no credential', () => {
    const env = sandboxEnv({ PATH: '/usr/bin', HOME: '/home/node', MONGO_URL: 'mongodb://db', S3_SECRET_ACCESS_KEY: 's', REPLICATE_API_TOKEN: 't', AMQP_URL: 'amqp://u:p@mq' });
    expect(env).toEqual({ PATH: '/usr/bin', HOME: '/home/node' });
  });

  it('a child process that cannot start still ends (its run must not wait for an exit that never comes)', async () => {
    const sandbox = spawnSandbox('child_process', sandboxEntry(), { execPath: path.join(os.tmpdir(), 'no-such-node') });
    await expect(sandbox.exited).resolves.toMatchObject({ code: null, error: expect.stringContaining('ENOENT') });
  });
});
