// RabbitMQ for local runs and tests: AMQP_URL when set, else a broker already listening on
// the default port, else Debian's rabbitmq-server (installed with apt-get when missing and we
// are root) started with the broker config the project ships.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import amqp from 'amqplib';
import { InfraUnavailableError } from './errors';
import { cachePath, repoRoot } from './paths';
import { commandExists, isAlive, portOpen, startDetached, tailOf, waitUntil } from './processes';
import type { ProvidedServer } from './types';

const DEFAULT_URL = 'amqp://guest:guest@127.0.0.1:5672';
export const rabbitConfigFile = path.join(repoRoot, 'config', 'rabbitmq', 'rabbitmq.conf');

async function canConnect(url: string): Promise<boolean> {
  try {
    const conn = await amqp.connect(url, { timeout: 2000 });
    await conn.close();
    return true;
  } catch {
    return false;
  }
}

function installRabbitMq(): void {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () =>
    spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'rabbitmq-server'], { env, stdio: 'inherit' });
  if (install().status === 0) return;
  spawnSync('apt-get', ['update'], { env, stdio: 'inherit' });
  if (install().status !== 0) {
    throw new InfraUnavailableError(
      'RabbitMQ is missing and `apt-get install rabbitmq-server` failed; install it by hand, or set AMQP_URL to a running broker (or run `docker compose up`).',
    );
  }
}

export async function ensureRabbitMq(): Promise<ProvidedServer> {
  const configured = process.env.AMQP_URL;
  if (configured) {
    if (!(await canConnect(configured))) {
      throw new InfraUnavailableError(
        `RabbitMQ at AMQP_URL (${redact(configured)}) does not accept connections; start that broker, or unset AMQP_URL to let the project run Debian's rabbitmq-server.`,
      );
    }
    return { name: 'rabbitmq', url: configured, origin: 'configured' };
  }
  if ((await portOpen('127.0.0.1', 5672)) && (await canConnect(DEFAULT_URL))) {
    return { name: 'rabbitmq', url: DEFAULT_URL, origin: 'reused' };
  }

  let server = commandExists('rabbitmq-server') ?? (commandExists('/usr/sbin/rabbitmq-server') && '/usr/sbin/rabbitmq-server');
  if (!server) {
    if (process.getuid?.() !== 0) {
      throw new InfraUnavailableError(
        'RabbitMQ is not installed and this user cannot install it; run `sudo apt-get install rabbitmq-server`, or set AMQP_URL to a running broker (or run `docker compose up`).',
      );
    }
    installRabbitMq();
    server = '/usr/sbin/rabbitmq-server';
  }

  const logFile = cachePath('infra', 'rabbitmq.log');
  // Debian's wrapper switches to the rabbitmq user and keeps the environment, so the config
  // file in the repository is read from where it is.
  const proc = startDetached(server, [], { logFile, env: { RABBITMQ_CONFIG_FILE: rabbitConfigFile } });
  try {
    await waitUntil('rabbitmq-server', () => canConnect(DEFAULT_URL), {
      timeoutMs: 120_000,
      intervalMs: 500,
      alive: () => isAlive(proc.pid),
    });
  } catch (err) {
    throw new InfraUnavailableError(
      `RabbitMQ did not start (${(err as Error).message}; see ${logFile}: ${tailOf(logFile, 3).replace(/\s+/g, ' ')}); fix the broker, or set AMQP_URL to a running one (or run \`docker compose up\`).`,
    );
  }
  return {
    name: 'rabbitmq',
    url: DEFAULT_URL,
    origin: 'started',
    pid: proc.pid,
    logFile,
    stop: async () => {
      spawnSync('rabbitmqctl', ['stop'], { stdio: 'ignore', timeout: 60_000 });
    },
  };
}

export function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):([^@/]+)@/, '//$1:***@');
}
