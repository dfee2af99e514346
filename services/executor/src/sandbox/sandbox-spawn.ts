// Starts a real sandbox for one run: a worker thread (node:worker_threads) or a child process
// (node:child_process fork), both running sandbox-entry. Where that entry is depends on how the
// executor runs: from source under tsx (dev, tests) it is sandbox-entry.ts beside this file; in
// the built image it is dist/executor-sandbox.js beside dist/executor.js (scripts/build.ts).
import { fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { TaskTypeConfig } from '@loom/config';
import type { SandboxExit, SandboxProcess } from './sandbox-host';
import type { HostMessage, SandboxMessage } from './sandbox-protocol';

export type Isolation = Exclude<TaskTypeConfig['isolation'], 'inline'>;

/** The bundle's name for the entry (scripts/build.ts writes it). */
export const SANDBOX_BUNDLE = 'executor-sandbox.js';

/** The sandbox's entry file for the way this executor runs (source or bundle). */
export function sandboxEntry(dir = __dirname): string {
  const source = path.join(dir, 'sandbox-entry.ts');
  return fs.existsSync(source) ? source : path.join(dir, SANDBOX_BUNDLE);
}

/** Start-up check of an executor with sandboxed types: throws naming the missing entry. */
export function assertSandboxEntry(entry = sandboxEntry()): string {
  if (!fs.existsSync(entry)) {
    throw Object.assign(new Error(`sandboxed task types need the sandbox entry ${entry}, which is missing (npm run build writes dist/${SANDBOX_BUNDLE} beside dist/executor.js)`), {
      code: 'CONFIG_INVALID',
    });
  }
  return entry;
}

/**
 * The node options of the sandbox: the executor's own (so `--import tsx` carries over), plus
 * tsx when the entry is TypeScript and the executor was not started through tsx (jest, whose
 * transform does not reach other threads and processes).
 */
function execArgvFor(entry: string): string[] {
  const own = process.execArgv;
  return entry.endsWith('.ts') && !own.some((a) => a.includes('tsx')) ? [...own, '--import', 'tsx'] : own;
}

/**
 * What a sandbox sees of the executor's environment: how to run, not what to reach. The handler
 * gets everything through its context, so the sandbox holds no database, broker, storage or
 * provider credentials a handler could use behind the executor's fences.
 */
export const SANDBOX_ENV_KEYS = ['PATH', 'HOME', 'TMPDIR', 'TMP', 'TEMP', 'LANG', 'LC_ALL', 'TZ', 'NODE_ENV', 'NODE_OPTIONS', 'NODE_EXTRA_CA_CERTS'] as const;

export function sandboxEnv(from: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of SANDBOX_ENV_KEYS) if (from[k] !== undefined) env[k] = from[k]!;
  return env;
}

export interface SpawnOptions {
  /** The node binary of a child process; default the executor's own (process.execPath). */
  execPath?: string;
}

export function spawnSandbox(isolation: Isolation, entry = sandboxEntry(), opts: SpawnOptions = {}): SandboxProcess {
  return isolation === 'worker_thread' ? spawnWorker(entry) : spawnProcess(entry, opts);
}

function spawnWorker(entry: string): SandboxProcess {
  const worker = new Worker(entry, { execArgv: execArgvFor(entry), env: sandboxEnv() });
  let error: string | undefined;
  worker.on('error', (err) => (error = err.message));
  const exited = new Promise<SandboxExit>((resolve) => worker.once('exit', (code) => resolve({ code, signal: null, error })));
  return {
    describe: `worker thread ${worker.threadId}`,
    send: (m: HostMessage) => worker.postMessage(m),
    onMessage: (listener) => worker.on('message', (m: SandboxMessage) => listener(m)),
    exited,
    kill: () => void worker.terminate(),
  };
}

function spawnProcess(entry: string, opts: SpawnOptions): SandboxProcess {
  // "advanced" serialization: structured clones, as with a worker (Buffers stay bytes).
  const child = fork(entry, [], { execPath: opts.execPath, execArgv: execArgvFor(entry), env: sandboxEnv(), serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let error: string | undefined;
  const exited = new Promise<SandboxExit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal, error }));
    child.on('error', (err) => {
      error ??= err.message;
      // A process that never started emits no 'exit': without this its run would never end.
      if (child.pid === undefined) resolve({ code: null, signal: null, error });
    });
  });
  return {
    describe: `process ${child.pid}`,
    send: (m: HostMessage) => {
      if (child.connected) child.send(m, (err) => err && (error ??= err.message));
    },
    onMessage: (listener) => child.on('message', (m) => listener(m as SandboxMessage)),
    exited,
    kill: () => void child.kill('SIGKILL'),
  };
}
