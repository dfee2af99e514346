// Zipkin, the tracing dashboard of local runs and of the trace tests: ZIPKIN_URL when set, else
// a Zipkin already answering on the profile's port, else the zipkin-server exec jar from Maven
// Central (fetched once with Maven into .cache/zipkin/ and reused), run on the machine's Java 17
// with in-memory storage. LOOM_ZIPKIN=off skips it: the services then export no spans.
//
// Start-up costs about 10 s of a busy 2-core machine (measured: 9.9 s to /health UP for 3.5.1),
// so `npm test` starts it only for the suites that read traces (ensureZipkin from the test), and
// then it is left running and reused, like the other servers.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { InfraUnavailableError } from './errors';
import { cachePath } from './paths';
import { awaitStarted, commandExists, portOpen, startDetached, stopDetached, tailOf, waitUntil } from './processes';
import type { InfraProfile, ProvidedServer } from './types';

/** zipkin-server on Maven Central; 3.x runs on Java 17. */
export const ZIPKIN_VERSION = '3.5.1';
export const zipkinPorts: Record<InfraProfile, number> = { dev: 9411, test: 9421 };
/** A plugin version that copies an artifact without a project (Maven 3.8's default one cannot). */
const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.6.1';

/** Whether LOOM_ZIPKIN asks to run without Zipkin (off, false, 0, no). */
export function zipkinDisabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return ['off', 'false', '0', 'no'].includes((env.LOOM_ZIPKIN ?? '').trim().toLowerCase());
}

async function isZipkin(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
    const body = (await res.json()) as { zipkin?: { status?: string } };
    return res.ok && body.zipkin?.status === 'UP';
  } catch {
    return false;
  }
}

/** The exec jar in .cache/zipkin/, fetched with Maven the first time. */
export function zipkinJar(): string {
  const jar = cachePath('zipkin', `zipkin-server-${ZIPKIN_VERSION}-exec.jar`);
  if (fs.existsSync(jar)) return jar;
  if (!commandExists('java') || !commandExists('mvn')) {
    throw new InfraUnavailableError(
      'Zipkin is not available: fetching zipkin-server needs Java 17 and Maven (`apt-get install openjdk-17-jdk-headless maven`); or set ZIPKIN_URL to a running Zipkin, or LOOM_ZIPKIN=off to run without traces.',
    );
  }
  const logFile = cachePath('infra', 'zipkin-fetch.log');
  const out = fs.openSync(logFile, 'w');
  const fetched = spawnSync(
    'mvn',
    ['-q', '-B', `${DEPENDENCY_PLUGIN}:copy`, `-Dartifact=io.zipkin:zipkin-server:${ZIPKIN_VERSION}:jar:exec`, `-DoutputDirectory=${path.dirname(jar)}`],
    { stdio: ['ignore', out, out] },
  );
  fs.closeSync(out);
  if (fetched.status !== 0 || !fs.existsSync(jar)) {
    throw new InfraUnavailableError(
      `Zipkin is not available: fetching io.zipkin:zipkin-server:${ZIPKIN_VERSION} with Maven failed (see ${logFile}: ${tailOf(logFile, 3).replace(/\s+/g, ' ')}); or set ZIPKIN_URL to a running Zipkin, or LOOM_ZIPKIN=off to run without traces.`,
    );
  }
  return jar;
}

/** Zipkin for `profile`, or undefined when LOOM_ZIPKIN=off. */
export async function ensureZipkin(profile: InfraProfile): Promise<ProvidedServer | undefined> {
  if (zipkinDisabled()) return undefined;
  const configured = process.env.ZIPKIN_URL?.replace(/\/+$/, '');
  if (configured) {
    if (!(await isZipkin(configured))) {
      throw new InfraUnavailableError(`Zipkin at ZIPKIN_URL (${configured}) does not answer /health; start it, unset ZIPKIN_URL to let the project run its own, or set LOOM_ZIPKIN=off.`);
    }
    return { name: 'zipkin', url: configured, origin: 'configured' };
  }
  const port = zipkinPorts[profile];
  const url = `http://127.0.0.1:${port}`;
  if (await portOpen('127.0.0.1', port)) {
    // A Zipkin still starting up holds the port before /health answers: give it the same time.
    if (await waitUntil('Zipkin', () => isZipkin(url), { timeoutMs: 60_000, intervalMs: 500 }).then(() => true, () => false)) {
      return { name: 'zipkin', url, origin: 'reused' };
    }
    throw new InfraUnavailableError(`Port ${port} is taken by something that is not Zipkin; stop it, set ZIPKIN_URL to a running Zipkin, or LOOM_ZIPKIN=off.`);
  }

  const jar = zipkinJar();
  const logFile = cachePath('infra', `zipkin-${profile}.log`);
  // In-memory storage (the default) bounded by MEM_MAX_SPANS; C1 only: it starts faster and a
  // local dashboard needs no peak throughput.
  const proc = startDetached('java', ['-Xms64m', '-Xmx512m', '-XX:TieredStopAtLevel=1', '-jar', jar, `--server.port=${port}`], {
    logFile,
    env: { STORAGE_TYPE: 'mem', MEM_MAX_SPANS: '200000' },
  });
  await awaitStarted('Zipkin', () => isZipkin(url), proc, { timeoutMs: 120_000, intervalMs: 500, wayOut: 'fix it, set ZIPKIN_URL, or LOOM_ZIPKIN=off' });
  const pid = proc.pid;
  return {
    name: 'zipkin',
    url,
    origin: 'started',
    pid,
    logFile,
    stop: () => stopDetached(pid, 'Zipkin'),
  };
}

/** What the services read to export their spans to `zipkin`, and where a trace is shown. */
export function zipkinEnv(zipkin: ProvidedServer): Record<string, string> {
  return {
    OTEL_EXPORTER_ZIPKIN_ENDPOINT: `${zipkin.url}/api/v2/spans`,
    LOOM_TRACE_URL: `${zipkin.url}/zipkin/traces/{traceId}`,
  };
}
