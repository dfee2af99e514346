// `npm start`: brings up (or reuses) RabbitMQ, MongoDB and S3, makes the demo tenant's
// credentials, starts the five services, and prints where everything is. Ctrl-C stops the
// services and the servers this run started, and nothing else.
import fs from 'node:fs';
import path from 'node:path';
import {
  cachePath,
  describe,
  ensureInfrastructure,
  InfraUnavailableError,
  SERVICE_NAMES,
  startServiceProcess,
  type Infrastructure,
  type ServiceProcess,
} from '@loom/dev-infra';
import { connectMongo, createStore } from '@loom/store';

const GATEWAY_PORT = process.env.GATEWAY_PORT ?? '8080';

async function devCredentials(mongoUrl: string, gatewayUrl: string) {
  const file = cachePath('dev-credentials.json');
  const conn = await connectMongo(mongoUrl);
  try {
    const store = await createStore(conn);
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

async function main(): Promise<void> {
  let infra: Infrastructure | undefined;
  const services: ServiceProcess[] = [];
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\n[loom] stopping services...');
    await Promise.all(services.map((s) => s.stop(30_000)));
    if (infra) await infra.stopStarted();
    console.log('[loom] stopped.');
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  infra = await ensureInfrastructure('dev');
  console.log(`[loom] servers:\n${describe(infra.servers)}`);
  const mongoUrl = new URL(infra.env.MONGO_URL!);
  if (mongoUrl.pathname === '/' || mongoUrl.pathname === '') mongoUrl.pathname = '/loom';
  const env: Record<string, string> = { ...infra.env, MONGO_URL: mongoUrl.toString(), GATEWAY_PORT, LOG_LEVEL: process.env.LOG_LEVEL ?? 'info' };

  const logDir = path.dirname(cachePath('logs', '.keep'));
  for (const name of SERVICE_NAMES) {
    const s = await startServiceProcess(name, {
      env,
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
  console.log(`[loom] logs in ${logDir}`);
  console.log(`[loom] demo credentials (${file}):\n  gatewayUrl  ${creds.gatewayUrl}\n  apiKey      ${creds.apiKey}\n  operatorKey ${creds.operatorKey}`);
  console.log('[loom] ready. Ctrl-C stops everything this run started.');
}

main().catch((err) => {
  console.error(err instanceof InfraUnavailableError ? `[loom] ${err.message}` : `[loom] ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
