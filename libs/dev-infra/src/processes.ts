// Starting a server as a detached background process that outlives this one (so the next
// `npm test` reuses it), with its output in a log file and its pid remembered.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { InfraUnavailableError } from './errors';

export interface DetachedProcess {
  pid: number;
  logFile: string;
}

export function startDetached(
  command: string,
  args: string[],
  opts: { logFile: string; env?: NodeJS.ProcessEnv; cwd?: string },
): DetachedProcess {
  const out = fs.openSync(opts.logFile, 'a');
  const child = spawn(command, args, {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    detached: true,
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  return { pid: child.pid, logFile: opts.logFile };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function commandExists(command: string): string | undefined {
  const found = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  const out = found.stdout.trim();
  return found.status === 0 && out ? out : undefined;
}

/** True when something accepts TCP connections on host:port. */
export function portOpen(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  { timeoutMs, intervalMs = 250, alive }: { timeoutMs: number; intervalMs?: number; alive?: () => boolean },
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    if (alive && !alive()) throw new Error(`${what} exited while starting`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`${what} did not become ready within ${Math.round(timeoutMs / 1000)} s`);
}

/**
 * Waits for a server this tool just started to answer `check`; when it does not (or exits), one
 * sentence naming it, the last lines of its log, and `wayOut` (what the person can do instead).
 */
export async function awaitStarted(
  what: string,
  check: () => Promise<boolean>,
  proc: DetachedProcess,
  opts: { timeoutMs: number; intervalMs?: number; wayOut: string },
): Promise<void> {
  try {
    await waitUntil(what, check, { timeoutMs: opts.timeoutMs, intervalMs: opts.intervalMs, alive: () => isAlive(proc.pid) });
  } catch (err) {
    throw new InfraUnavailableError(`${what} did not start (${(err as Error).message}; see ${proc.logFile}: ${tailOf(proc.logFile, 3).replace(/\s+/g, ' ')}); ${opts.wayOut}.`);
  }
}

/** Stops a server this tool started: SIGTERM, then SIGKILL when it is still there after `timeoutMs`. */
export async function stopDetached(pid: number, what: string, timeoutMs = 15_000): Promise<void> {
  if (!isAlive(pid)) return;
  process.kill(pid, 'SIGTERM');
  await waitUntil(`${what} stop`, async () => !isAlive(pid), { timeoutMs }).catch(() => process.kill(pid, 'SIGKILL'));
}

export function tailOf(file: string, lines = 15): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
