// `npm start` when a service cannot start: it says so, exits 1, and leaves nothing it started
// running (the provider simulator, started first, is stopped too). The servers are the test
// servers (external URLs, as README "Using external servers" says); a task-types file that is
// not JSON makes the first service fail at start-up.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../support/provider-system';
import { mongoUrlFor, servers, uniqueName } from '../support/servers';
import { until } from '../support/until';

const repoRoot = path.resolve(__dirname, '..', '..');

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

describe('npm start (scripts/start.ts)', () => {
  it('stops the simulator and every service it started when a service fails to start, and exits 1', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loom-start-'));
    const badTypes = path.join(dir, 'task-types.json');
    fs.writeFileSync(badTypes, '{ not json');
    const [simPort, gatewayPort] = [await freePort(), await freePort()];
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'scripts', 'start.ts')], {
      cwd: repoRoot,
      env: {
        ...process.env,
        MONGO_URL: mongoUrlFor(uniqueName('start')),
        AMQP_URL: servers.amqpUrl,
        LOOM_TASK_TYPES_FILE: badTypes,
        SIM_PORT: String(simPort),
        GATEWAY_PORT: String(gatewayPort),
        LOOM_ZIPKIN: 'off',
        LOOM_PROMETHEUS: 'off',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      expect({ code, said: /\[loom\] .+/.test(out) }).toEqual({ code: 1, said: true });
      expect(out).toContain('[loom] stopping services');
      // The simulator was up (started before the services) and is gone now.
      expect(out).not.toContain('[loom] ready.');
      await until('the provider simulator port to be free', async () => ((await listening(simPort)) ? undefined : true), 20_000, 200);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
