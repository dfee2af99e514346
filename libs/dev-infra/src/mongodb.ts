// MongoDB for local runs and tests: MONGO_URL when set, else a server already listening on the
// profile's port, else `mongod` from PATH, else mongo-java-server (tools/mongo-server), built
// once with Maven into .cache/ and reused. Tests get its memory backend; `npm start` gets its
// H2 file backend so local data survives a restart.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { InfraUnavailableError } from './errors';
import { cachePath, repoRoot } from './paths';
import { awaitStarted, commandExists, portOpen, startDetached, stopDetached, tailOf } from './processes';
import type { InfraProfile, ProvidedServer } from './types';
import { redact } from './rabbitmq';

export const mongoPorts: Record<InfraProfile, number> = { dev: 27017, test: 27027 };
const launcherDir = path.join(repoRoot, 'tools', 'mongo-server');

async function canPing(url: string): Promise<boolean> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 2000, connectTimeoutMS: 2000 });
  try {
    await client.connect();
    await client.db('admin').command({ ping: 1 });
    return true;
  } catch {
    return false;
  } finally {
    await client.close().catch(() => undefined);
  }
}

/** The launcher jar for the current sources: rebuilt only when pom.xml or the Java code changes. */
export function mongoServerJar(): { jar: string; built: boolean } {
  const hash = crypto.createHash('sha256');
  const files = [path.join(launcherDir, 'pom.xml'), ...listFiles(path.join(launcherDir, 'src'))].sort();
  for (const f of files) hash.update(f.slice(launcherDir.length)).update(fs.readFileSync(f));
  const jar = cachePath('mongo-server', `mongo-server-${hash.digest('hex').slice(0, 12)}.jar`);
  if (fs.existsSync(jar)) return { jar, built: false };

  if (!commandExists('java') || !commandExists('mvn')) {
    throw new InfraUnavailableError(
      'MongoDB is not available: there is no mongod on PATH and building mongo-java-server needs Java 17 and Maven; install mongod (or `apt-get install openjdk-17-jdk-headless maven`), or set MONGO_URL to a running server (or run `docker compose up`).',
    );
  }
  const logFile = cachePath('infra', 'mongo-server-build.log');
  const out = fs.openSync(logFile, 'w');
  const build = spawnSync('mvn', ['-q', '-B', 'package', '-DskipTests'], { cwd: launcherDir, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  const built = path.join(launcherDir, 'target', 'mongo-server.jar');
  if (build.status !== 0 || !fs.existsSync(built)) {
    throw new InfraUnavailableError(
      `MongoDB is not available: building mongo-java-server with Maven failed (see ${logFile}: ${tailOf(logFile, 3).replace(/\s+/g, ' ')}); fix the build, or set MONGO_URL to a running server (or run \`docker compose up\`).`,
    );
  }
  fs.copyFileSync(built, jar);
  return { jar, built: true };
}

function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? listFiles(p) : [p];
  });
}

/**
 * The stand-in's JVM: a fixed 4 GiB heap under the throughput collector. With the default G1 in
 * 1 GiB, 50,000 stored tasks made young collections of 15 to 57 ms several times a second, and a
 * growing heap paused for full collections while it resized: the server's CPU per task doubled
 * (`npm run bench -- --peers --history 50000`, three runs per setting on a new JVM each).
 */
const STAND_IN_JVM = ['-Xms4g', '-Xmx4g', '-XX:+UseParallelGC'];

export async function ensureMongo(profile: InfraProfile): Promise<ProvidedServer> {
  const configured = process.env.MONGO_URL;
  if (configured) {
    if (!(await canPing(configured))) {
      throw new InfraUnavailableError(
        `MongoDB at MONGO_URL (${redact(configured)}) does not answer; start that server, or unset MONGO_URL to let the project run its own.`,
      );
    }
    return { name: 'mongodb', url: configured, origin: 'configured' };
  }
  const port = mongoPorts[profile];
  const url = `mongodb://127.0.0.1:${port}`;
  if (await portOpen('127.0.0.1', port)) {
    if (await canPing(url)) return { name: 'mongodb', url, origin: 'reused' };
    throw new InfraUnavailableError(
      `Port ${port} is taken by something that is not MongoDB; stop it, or set MONGO_URL to a running MongoDB (or run \`docker compose up\`).`,
    );
  }

  const logFile = cachePath('infra', `mongodb-${profile}.log`);
  const mongod = commandExists('mongod');
  let proc;
  if (mongod) {
    const dbPath = cachePath('mongod', profile, '.keep');
    proc = startDetached(mongod, ['--bind_ip', '127.0.0.1', '--port', String(port), '--dbpath', path.dirname(dbPath)], {
      logFile,
    });
  } else {
    const { jar } = mongoServerJar();
    const backend = profile === 'dev' ? ['--backend', 'h2', '--file', cachePath('mongo-server', 'dev-data.mv')] : ['--backend', 'memory'];
    proc = startDetached('java', [...STAND_IN_JVM, '-jar', jar, '--host', '127.0.0.1', '--port', String(port), ...backend], {
      logFile,
    });
  }
  await awaitStarted('MongoDB', () => canPing(url), proc, { timeoutMs: 60_000, wayOut: 'fix it, or set MONGO_URL to a running server (or run `docker compose up`)' });
  const pid = proc.pid;
  return {
    name: 'mongodb',
    url,
    origin: 'started',
    pid,
    logFile,
    stop: () => stopDetached(pid, 'MongoDB'),
  };
}
