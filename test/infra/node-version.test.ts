// The supported Node.js (package.json engines) is the one tests and services run on: the
// project's set-up (scripts/with-deps.sh) puts the registry's Node build first on PATH, and the
// services are spawned with the same binary (process.execPath). A checkout that silently fell
// back to the machine's older Node fails here.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot, startSimulatorProcess } from '@loom/dev-infra';

const supportedMajor = Number(/^>=\s*(\d+)/.exec(JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).engines.node)![1]);

describe('the supported Node.js', () => {
  it('runs the tests', () => {
    expect(supportedMajor).toBe(24);
    expect(process.version).toMatch(new RegExp(`^v${supportedMajor}\\.`));
  });

  it('runs a spawned service (the binary behind its process id)', async () => {
    const logFile = path.join(os.tmpdir(), `loom-node-version-${process.pid}.log`);
    const sim = await startSimulatorProcess({ env: { SIM_PORT: '0' }, logFile });
    try {
      const binary = fs.readlinkSync(`/proc/${sim.pid}/exe`);
      const version = spawnSync(binary, ['--version'], { encoding: 'utf8' }).stdout.trim();
      expect(version).toMatch(new RegExp(`^v${supportedMajor}\\.`));
    } finally {
      await sim.stop();
      fs.rmSync(logFile, { force: true });
    }
  });
});
