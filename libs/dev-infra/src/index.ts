// The local infrastructure tool: makes sure RabbitMQ, MongoDB and S3 (and, for local runs, the
// Zipkin tracing dashboard) are there and running, reusing what already runs, and says in one
// sentence what is missing when it cannot.
import fs from 'node:fs';
import { ensureMongo } from './mongodb';
import { cachePath } from './paths';
import { ensureRabbitMq } from './rabbitmq';
import { ensureS3 } from './s3';
import { ensureZipkin, zipkinEnv } from './zipkin';
import type { InfraProfile, ProvidedServer } from './types';

export { InfraUnavailableError } from './errors';
export { mongoServerJar, mongoPorts } from './mongodb';
export { repoRoot, cacheDir, cachePath } from './paths';
export { rabbitConfigFile } from './rabbitmq';
export { s3Ports, S3RVER_KEYS } from './s3';
export { ensureZipkin, zipkinEnv, zipkinJar, zipkinDisabled, zipkinPorts, ZIPKIN_VERSION } from './zipkin';
export { ensurePrometheus, ensurePrometheusBinary, prometheusDisabled, prometheusConfigFile, PROMETHEUS_PORT, DEV_HEALTH_PORTS } from './prometheus';
export type { InfraProfile, ProvidedServer } from './types';
export type { S3Settings } from './s3';

export interface Infrastructure {
  servers: ProvidedServer[];
  /** The environment the services and tests read (the README lists every variable). */
  env: Record<string, string>;
  /** Stops the servers this call started, and nothing else. */
  stopStarted(): Promise<void>;
}

export interface InfraOptions {
  /**
   * Also Zipkin, with the OTEL_* variables that send the services' spans to it (default: for
   * the dev profile; the test suites that read traces call ensureZipkin themselves). LOOM_ZIPKIN=off skips it.
   */
  zipkin?: boolean;
}

export async function ensureInfrastructure(profile: InfraProfile, opts: InfraOptions = {}): Promise<Infrastructure> {
  // Started one after another: on a 2-core machine three JVM/BEAM start-ups in parallel are
  // slower than in sequence, and an error about the first is clearer alone.
  const rabbit = await ensureRabbitMq();
  const mongo = await ensureMongo(profile);
  const s3 = await ensureS3(profile);
  const zipkin = (opts.zipkin ?? profile === 'dev') ? await ensureZipkin(profile) : undefined;
  const servers = zipkin ? [rabbit, mongo, s3, zipkin] : [rabbit, mongo, s3];
  const env: Record<string, string> = {
    ...(zipkin ? zipkinEnv(zipkin) : {}),
    AMQP_URL: rabbit.url,
    MONGO_URL: mongo.url,
    S3_ENDPOINT: s3.settings.endpoint,
    S3_REGION: s3.settings.region,
    S3_BUCKET: s3.settings.bucket,
    S3_ACCESS_KEY_ID: s3.settings.accessKeyId,
    S3_SECRET_ACCESS_KEY: s3.settings.secretAccessKey,
  };
  recordStarted(profile, servers);
  return {
    servers,
    env,
    async stopStarted() {
      for (const s of [...servers].reverse()) if (s.stop) await s.stop();
      recordStarted(profile, []);
    },
  };
}

/** Pids of the servers the tool started in the background, for `npm run infra -- down`. */
function recordStarted(profile: InfraProfile, servers: ProvidedServer[]): void {
  const file = cachePath('infra', `started-${profile}.json`);
  const previous: Record<string, number> = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
  const next = servers.length === 0 ? {} : { ...previous };
  for (const s of servers) if (s.origin === 'started' && s.pid) next[s.name] = s.pid;
  fs.writeFileSync(file, JSON.stringify(next, null, 2));
}

export function describe(servers: ProvidedServer[]): string {
  return servers.map((s) => `  ${s.name.padEnd(9)} ${s.url.replace(/\/\/[^@/]*@/, '//')} (${s.origin})`).join('\n');
}
export { ensureChromium, CHROMIUM_ARGS } from './chromium';
export { startServiceProcess, startSimulatorProcess, SERVICE_NAMES, type ServiceName, type ServiceProcess } from './service-process';
