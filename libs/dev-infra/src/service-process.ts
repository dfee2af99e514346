// Running a service as a child process the way `npm start` and the end-to-end tests do:
// TypeScript through tsx, JSON log lines to a file (and optionally the terminal), ready when
// it prints its "listening on <url>" line.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { repoRoot } from './paths';

export const SERVICE_NAMES = ['gateway', 'scheduler', 'executor', 'status-sync', 'settlement'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface ServiceProcess {
  name: string;
  url: string;
  /** Its Prometheus metrics: `<url>/metrics`, or where its ready line says (the gateway's health port). */
  metricsUrl: string;
  pid: number;
  child: ChildProcess;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
  /** SIGTERM and wait (graceful stop). */
  stop(timeoutMs?: number): Promise<number | null>;
  /** SIGKILL: the process dies mid-work, as in a crash. */
  kill(): Promise<void>;
}

export interface ProcessOptions {
  env: Record<string, string>;
  logFile: string;
  label?: string;
  echo?: (line: string) => void;
  readyTimeoutMs?: number;
}

export function startServiceProcess(service: ServiceName, opts: ProcessOptions): Promise<ServiceProcess> {
  return startTsProcess(path.join(repoRoot, 'services', service, 'src', 'main.ts'), { label: service, ...opts });
}

/** The provider simulator as a process (`npm start` runs it for the demo task types). */
export function startSimulatorProcess(opts: ProcessOptions): Promise<ServiceProcess> {
  return startTsProcess(path.join(repoRoot, 'tools', 'provider-simulator', 'src', 'main.ts'), { label: 'provider-simulator', ...opts });
}

async function startTsProcess(entry: string, opts: ProcessOptions & { label: string }): Promise<ServiceProcess> {
  const service = opts.label;
  fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
  const log = fs.createWriteStream(opts.logFile, { flags: 'a' });
  // `node --import tsx`, not the tsx CLI: the CLI runs the program in a second process, so a
  // SIGKILL of the one we hold would leave the service running (and a crash test testing nothing).
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: repoRoot,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.stderr!.pipe(log, { end: false });

  let metricsUrl: string | undefined;
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${opts.label ?? service} did not report ready within ${opts.readyTimeoutMs ?? 60_000} ms (log: ${opts.logFile})`)),
      opts.readyTimeoutMs ?? 60_000,
    );
    const lines = readline.createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      log.write(line + '\n');
      opts.echo?.(line);
      const m = /listening on (https?:\/\/[^\s"]+)/.exec(line);
      if (m?.[1]) {
        metricsUrl = /\(metrics on (https?:\/\/[^\s")]+)\)/.exec(line)?.[1];
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${opts.label ?? service} exited with code ${code} while starting (log: ${opts.logFile})`));
    });
  });

  return {
    name: opts.label ?? service,
    url,
    metricsUrl: metricsUrl ?? `${url}/metrics`,
    pid: child.pid!,
    child,
    exited,
    async stop(timeoutMs = 60_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}
