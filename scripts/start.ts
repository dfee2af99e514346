// `npm start`: brings up (or reuses) RabbitMQ, MongoDB, S3 and Zipkin, makes the demo tenant's
// credentials, starts the five services (spans to Zipkin, Prometheus text at /metrics on fixed
// health ports), then Prometheus scraping them, and prints where everything is. Ctrl-C stops the
// services and the servers this run started, and nothing else. LOOM_ZIPKIN=off and
// LOOM_PROMETHEUS=off leave those two out.
import fs from 'node:fs';
import path from 'node:path';
import {
  cachePath,
  DEV_HEALTH_PORTS,
  describe,
  ensureInfrastructure,
  ensurePrometheus,
  InfraUnavailableError,
  repoRoot,
  SERVICE_NAMES,
  startServiceProcess,
  startSimulatorProcess,
  type Infrastructure,
  type ProvidedServer,
  type ServiceProcess,
} from '@loom/dev-infra';
import { createBilling } from '@loom/billing';
import { simulatorProviderEnv } from '@loom/provider-simulator';
import { ensureWebBuilt } from '../services/gateway/src/web/bundle';
import { connectMongo, createStore } from '@loom/store';

const GATEWAY_PORT = process.env.GATEWAY_PORT ?? '8080';
/** Credits the demo tenant starts with: granted once, under a fixed key, so restarts add nothing. */
const DEMO_CREDITS = 1000;

async function devCredentials(mongoUrl: string, gatewayUrl: string) {
  const file = cachePath('dev-credentials.json');
  const conn = await connectMongo(mongoUrl);
  try {
    const store = await createStore(conn);
    const billing = await createBilling(conn);
    await billing.credits.grant({ tenantId: 'demo', amount: DEMO_CREDITS, reason: 'npm start: demo credits', key: 'npm-start-demo-credits' });
    if (fs.existsSync(file)) {
      const saved = JSON.parse(fs.readFileSync(file, 'utf8'));
      const [user, operator] = await Promise.all([store.apiKeys.findByKey(saved.apiKey), store.apiKeys.findByKey(saved.operatorKey)]);
      if (user && operator) {
        const creds = { ...saved, gatewayUrl };
        fs.writeFileSync(file, JSON.stringify(creds, null, 2));
        return { file, creds };
      }
    }
    const user = await store.apiKeys.issue('demo', 'user', 'demo tenant (npm start)');
    const operator = await store.apiKeys.issue('demo', 'operator', 'local operator (npm start)');
    const creds = { gatewayUrl, tenantId: 'demo', apiKey: user.apiKey, operatorKey: operator.apiKey };
    fs.writeFileSync(file, JSON.stringify(creds, null, 2));
    return { file, creds };
  } finally {
    await conn.close();
  }
}

/** Stops whatever this run started so far (set by main once it can); exits with the code. */
let stopStarted: ((code: number) => Promise<void>) | undefined;

async function main(): Promise<void> {
  let infra: Infrastructure | undefined;
  let prometheus: ProvidedServer | undefined;
  const services: ServiceProcess[] = [];
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\n[loom] stopping services...');
    await Promise.all(services.map((s) => s.stop(30_000)));
    await prometheus?.stop?.();
    if (infra) await infra.stopStarted();
    console.log('[loom] stopped.');
    process.exit(code);
  };
  stopStarted = stopAll;
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  infra = await ensureInfrastructure('dev');
  // The task center page the gateway serves at / (rebuilt when its sources changed).
  const web = await ensureWebBuilt();
  console.log(`[loom] task center page ${web.built ? 'built' : 'up to date'} (${path.relative(repoRoot, web.outdir)})`);
  console.log(`[loom] servers:\n${describe(infra.servers)}`);
  const mongoUrl = new URL(infra.env.MONGO_URL!);
  if (mongoUrl.pathname === '/' || mongoUrl.pathname === '') mongoUrl.pathname = '/loom';
  const env: Record<string, string> = { ...infra.env, MONGO_URL: mongoUrl.toString(), GATEWAY_PORT, LOG_LEVEL: process.env.LOG_LEVEL ?? 'info' };
  // Every service serves Prometheus text at /metrics on its health port (DEV_HEALTH_PORTS).
  env.OTEL_METRICS_EXPORTER = process.env.OTEL_METRICS_EXPORTER ?? 'prometheus';

  // The provider simulator stands in for Replicate, RunningHub and Grsai, except for a provider
  // whose real key is set in the environment. It calls back to the local gateway (webhook mode).
  const logDirSim = path.dirname(cachePath('logs', '.keep'));
  const simulator = await startSimulatorProcess({ env: { SIM_PORT: process.env.SIM_PORT ?? '4600' }, logFile: path.join(logDirSim, 'provider-simulator.log') });
  services.push(simulator);
  const simEnv = simulatorProviderEnv(simulator.url);
  const realKeys = { REPLICATE: 'REPLICATE_API_TOKEN', RUNNINGHUB: 'RUNNINGHUB_API_KEY', GRSAI: 'GRSAI_API_KEY' } as const;
  for (const [prefix, keyVar] of Object.entries(realKeys)) {
    if (process.env[keyVar]) continue;
    for (const [k, v] of Object.entries(simEnv)) if (k.startsWith(`${prefix}_`)) env[k] = v;
  }
  env.LOOM_PROVIDERS_FILE ??= process.env.LOOM_PROVIDERS_FILE ?? path.join(repoRoot, 'config', 'providers.local.json');
  env.PUBLIC_BASE_URL = process.env.PUBLIC_BASE_URL ?? `http://127.0.0.1:${GATEWAY_PORT}`;

  const logDir = path.dirname(cachePath('logs', '.keep'));
  for (const name of SERVICE_NAMES) {
    const s = await startServiceProcess(name, {
      env: { ...env, HEALTH_PORT: String(DEV_HEALTH_PORTS[name]) },
      logFile: path.join(logDir, `${name}.log`),
      echo: process.env.LOOM_ECHO_LOGS ? (l) => console.log(`${name} | ${l}`) : undefined,
    });
    services.push(s);
    void s.exited.then((code) => {
      if (!stopping) {
        console.error(`[loom] ${name} exited (code ${code}); see ${path.join(logDir, `${name}.log`)}`);
        void stopAll(1);
      }
    });
  }
  const gateway = services.find((s) => s.name === 'gateway')!;
  const { file, creds } = await devCredentials(env.MONGO_URL!, gateway.url);
  console.log('[loom] services:');
  for (const s of services) console.log(`  ${s.name.padEnd(12)} ${s.url}  (pid ${s.pid})`);
  prometheus = await ensurePrometheus();
  console.log(`[loom] logs in ${logDir}`);
  const zipkin = infra.servers.find((s) => s.name === 'zipkin');
  console.log('[loom] dashboards:');
  console.log(zipkin ? `  traces      ${zipkin.url}/zipkin/  (each task's JSON has its traceUrl)` : '  traces      off (LOOM_ZIPKIN=off)');
  console.log(prometheus ? `  metrics     ${prometheus.url}/graph?g0.expr=loom_queue_depth  (${prometheus.origin})` : '  metrics     Prometheus off (LOOM_PROMETHEUS=off)');
  for (const s of services.filter((x) => x.name !== 'provider-simulator')) console.log(`  ${s.name.padEnd(12)}${s.metricsUrl}`);
  console.log(`[loom] demo credentials (${file}):\n  gatewayUrl  ${creds.gatewayUrl}\n  apiKey      ${creds.apiKey}\n  operatorKey ${creds.operatorKey}`);
  console.log(`[loom] task center: open ${creds.gatewayUrl}/ and sign in with the apiKey above (or the operatorKey)`);
  console.log('[loom] ready. Ctrl-C stops everything this run started.');
}

main().catch(async (err) => {
  console.error(err instanceof InfraUnavailableError ? `[loom] ${err.message}` : `[loom] ${err instanceof Error ? err.message : err}`);
  // A service that failed to start must not leave the simulator and the others running.
  if (stopStarted) await stopStarted(1);
  process.exit(1);
});
