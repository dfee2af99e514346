// A private redis-server for BullMQ: Debian's package (installed with apt-get when missing and we
// are root, as libs/dev-infra does for rabbitmq-server), on a free loopback port, stopped when the
// bench is done with it. Persistent by default the way production runs it (append-only file,
// fsync every second: `appendonly yes, appendfsync everysec`; no RDB snapshots, --save ''), or
// without any persistence (--appendonly no) for the `bullmq-nopersist` row.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { onCleanup, trackPid } from './cleanup';

function which(cmd: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  const out = r.stdout.trim();
  return r.status === 0 && out ? out : undefined;
}

export function ensureRedisServer(): string {
  const found = which('redis-server') ?? (fs.existsSync('/usr/bin/redis-server') ? '/usr/bin/redis-server' : undefined);
  if (found) return found;
  if (process.getuid?.() !== 0) {
    throw new Error('redis-server is not installed and this user cannot install it; run `sudo apt-get install redis-server` (BullMQ needs it), or leave bullmq out with --systems.');
  }
  console.log('[bench] installing redis-server (apt-get) for BullMQ...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'redis-server'], { env, stdio: 'inherit' });
  if (install().status !== 0) {
    spawnSync('apt-get', ['update'], { env, stdio: 'inherit' });
    if (install().status !== 0) throw new Error('`apt-get install redis-server` failed; install it by hand, or leave bullmq out with --systems.');
  }
  return '/usr/bin/redis-server';
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    let buf = '';
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1000, () => done(false));
    s.once('error', () => done(false));
    s.once('connect', () => s.write('PING\r\n'));
    s.on('data', (d) => {
      buf += d.toString();
      if (buf.includes('\r\n')) done(buf.startsWith('+PONG'));
    });
  });
}

export interface RedisServer {
  host: string;
  port: number;
  pid: number;
  logFile: string;
  persistent: boolean;
  /** FLUSHALL (between scenarios). */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

export async function startRedis(logFile: string, opts: { persistent: boolean }): Promise<RedisServer> {
  const bin = ensureRedisServer();
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-redis-'));
  const out = fs.openSync(logFile, 'a');
  const persistence = opts.persistent ? ['--appendonly', 'yes', '--appendfsync', 'everysec'] : ['--appendonly', 'no'];
  const child = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence, '--dir', dir, '--daemonize', 'no'], {
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  const untrack = trackPid(child.pid!);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    untrack();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const unregister = onCleanup('redis-server', stop);
  const deadline = Date.now() + 15_000;
  while (!(await ping(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      unregister();
      throw new Error(`redis-server did not start on 127.0.0.1:${port} (see ${logFile})`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    host: '127.0.0.1',
    port,
    pid: child.pid!,
    logFile,
    persistent: opts.persistent,
    flush: () =>
      new Promise<void>((resolve, reject) => {
        const s = net.connect({ host: '127.0.0.1', port }, () => s.write('FLUSHALL\r\n'));
        s.once('data', (d) => {
          s.destroy();
          if (d.toString().startsWith('+OK')) resolve();
          else reject(new Error(`FLUSHALL: ${d.toString().trim()}`));
        });
        s.once('error', reject);
      }),
    async stop() {
      unregister();
      await stop();
    },
  };
}
