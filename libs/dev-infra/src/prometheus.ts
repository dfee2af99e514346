// Prometheus for local runs: PROMETHEUS_URL when set, else one already answering on 9090, else
// Debian's `prometheus` (installed with apt-get when missing and we are root) started with the
// scrape configuration the project ships (config/prometheus/prometheus.yml), its data under
// .cache/prometheus/. LOOM_PROMETHEUS=off skips it; the services' /metrics stay available.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { InfraUnavailableError } from './errors';
import { cachePath, repoRoot } from './paths';
import { awaitStarted, commandExists, portOpen, startDetached, stopDetached } from './processes';
import type { ProvidedServer } from './types';

export const PROMETHEUS_PORT = 9090;
export const prometheusConfigFile = path.join(repoRoot, 'config', 'prometheus', 'prometheus.yml');

/**
 * The health ports `npm start` gives the services, where each serves /healthz, /readyz and
 * /metrics; config/prometheus/prometheus.yml scrapes exactly these.
 */
export const DEV_HEALTH_PORTS = { gateway: 8081, scheduler: 8082, executor: 8083, 'status-sync': 8084, settlement: 8085 } as const;

export function prometheusDisabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return ['off', 'false', '0', 'no'].includes((env.LOOM_PROMETHEUS ?? '').trim().toLowerCase());
}

async function isReady(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}

/** The prometheus binary, installing Debian's package when none is there. Idempotent. */
export function ensurePrometheusBinary(): string {
  const found = commandExists('prometheus') ?? (commandExists('/usr/bin/prometheus') && '/usr/bin/prometheus');
  if (found) return found;
  const hint = 'or set PROMETHEUS_URL to a running Prometheus, or LOOM_PROMETHEUS=off to run without it';
  if (process.getuid?.() !== 0) throw new InfraUnavailableError(`Prometheus is not installed and this user cannot install it; run \`sudo apt-get install prometheus\`, ${hint}.`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'prometheus'], { env, stdio: 'inherit' });
  if (install().status !== 0) {
    spawnSync('apt-get', ['update'], { env, stdio: 'inherit' });
    if (install().status !== 0) throw new InfraUnavailableError(`\`apt-get install prometheus\` failed; install it by hand, ${hint}.`);
  }
  return '/usr/bin/prometheus';
}

/** Prometheus scraping the local services, or undefined when LOOM_PROMETHEUS=off. */
export async function ensurePrometheus(configFile = prometheusConfigFile, port = PROMETHEUS_PORT): Promise<ProvidedServer | undefined> {
  if (prometheusDisabled()) return undefined;
  const configured = process.env.PROMETHEUS_URL?.replace(/\/+$/, '');
  if (configured) {
    if (!(await isReady(configured))) throw new InfraUnavailableError(`Prometheus at PROMETHEUS_URL (${configured}) is not ready; start it, unset PROMETHEUS_URL, or set LOOM_PROMETHEUS=off.`);
    return { name: 'prometheus', url: configured, origin: 'configured' };
  }
  const url = `http://127.0.0.1:${port}`;
  if (await portOpen('127.0.0.1', port)) {
    if (await isReady(url)) return { name: 'prometheus', url, origin: 'reused' };
    throw new InfraUnavailableError(`Port ${port} is taken by something that is not a ready Prometheus; stop it, set PROMETHEUS_URL, or LOOM_PROMETHEUS=off.`);
  }
  const binary = ensurePrometheusBinary();
  const logFile = cachePath('infra', `prometheus-${port}.log`);
  const dataDir = path.dirname(cachePath('prometheus', `data-${port}`, '.keep'));
  const proc = startDetached(
    binary,
    [`--config.file=${configFile}`, `--storage.tsdb.path=${dataDir}`, `--web.listen-address=127.0.0.1:${port}`, '--storage.tsdb.retention.time=2d'],
    { logFile },
  );
  await awaitStarted('Prometheus', () => isReady(url), proc, { timeoutMs: 60_000, wayOut: 'fix it, set PROMETHEUS_URL, or LOOM_PROMETHEUS=off' });
  const pid = proc.pid;
  return {
    name: 'prometheus',
    url,
    origin: 'started',
    pid,
    logFile,
    stop: () => stopDetached(pid, 'Prometheus'),
  };
}
