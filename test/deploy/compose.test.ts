// docker-compose.yml without Docker: it must be valid against the Compose specification's JSON
// schema (as shipped in the dclint npm package), and every variable the services read must be
// set in it (or baked into the image) or have a default that also holds inside a container.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { envSchema } from '@loom/config';
import { buildServices } from '../../scripts/build';
import { envProblems, imageEnv, LOOM_SERVICES, repoRoot as root } from './env-coverage';

type ComposeService = {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
  stop_grace_period?: string;
  deploy?: { replicas?: number };
};
const compose = parse(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
};

describe('docker-compose.yml', () => {
  it('is valid against the Compose specification schema', () => {
    const schemaFile = path.join(path.dirname(require.resolve('dclint/package.json')), 'schemas', 'compose.schema.json');
    const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
    // Draft-07, Ajv's default; its "$schema" spells the meta-schema's URI as https, unknown to Ajv.
    const { $schema: _draft, ...schema } = JSON.parse(fs.readFileSync(schemaFile, 'utf8')) as Record<string, unknown>;
    const validate = ajv.compile(schema);
    const ok = validate(compose);
    expect(ok ? [] : validate.errors).toEqual([]);
  });

  it('runs the five services and their servers, each service with a /healthz check', () => {
    for (const name of [...LOOM_SERVICES, 'mongodb', 'rabbitmq', 'minio', 'minio-init', 'jaeger', 'prometheus']) expect(Object.keys(compose.services)).toContain(name);
    for (const name of LOOM_SERVICES) {
      const svc = compose.services[name]!;
      expect(svc.command).toEqual(['node', '--enable-source-maps', `dist/${name}.js`]);
      const port = name === 'gateway' ? svc.environment!.GATEWAY_PORT : svc.environment!.HEALTH_PORT;
      expect(svc.healthcheck?.test.join(' ')).toContain(`http://127.0.0.1:${port}/healthz`);
      expect(svc.depends_on).toMatchObject({ rabbitmq: { condition: 'service_healthy' }, mongodb: { condition: 'service_healthy' }, 'minio-init': { condition: 'service_completed_successfully' } });
    }
    // The executor's standby, and a grace period longer than its drain.
    expect(compose.services.executor!.deploy?.replicas).toBe(2);
    const drainMs = Number(compose.services.executor!.environment!.EXECUTOR_DRAIN_MS ?? envSchema.shape.EXECUTOR_DRAIN_MS.parse(undefined));
    expect(Number.parseInt(compose.services.executor!.stop_grace_period ?? '10', 10) * 1000).toBeGreaterThan(drainMs);
  });

  it('sets every variable the services read, or leaves it to a default that holds in a container', () => {
    const problems: string[] = [];
    const base = imageEnv();
    for (const name of LOOM_SERVICES) {
      const env = { ...base, ...compose.services[name]!.environment };
      problems.push(...envProblems(name, env));
      // Connection URLs name servers that compose runs.
      for (const key of ['AMQP_URL', 'MONGO_URL', 'S3_ENDPOINT', 'OTEL_EXPORTER_OTLP_ENDPOINT']) {
        const host = env[key] ? new URL(env[key]).hostname : undefined;
        if (!host || !compose.services[host]) problems.push(`${name}: ${key}=${env[key]} does not point at a compose service`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('mounts a broker config with the same consumer_timeout as config/rabbitmq/rabbitmq.conf', () => {
    const mount = compose.services.rabbitmq!.volumes!.find((v) => v.includes('/etc/rabbitmq/'))!;
    const file = path.join(root, mount.split(':')[0]!);
    const timeout = (f: string) => /^consumer_timeout\s*=\s*(\d+)/m.exec(fs.readFileSync(f, 'utf8'))?.[1];
    expect(timeout(file)).toBeDefined();
    expect(timeout(file)).toBe(timeout(path.join(root, 'config', 'rabbitmq', 'rabbitmq.conf')));
    // guest is loopback-only there: the services must not depend on it here.
    expect(compose.services.gateway!.environment!.AMQP_URL).not.toMatch(/\/\/guest:/);
  });

  it('has Prometheus scrape every service on the port its /metrics is served', () => {
    const mount = compose.services.prometheus!.volumes!.find((v) => v.endsWith(':/etc/prometheus/prometheus.yml:ro'))!;
    const config = parse(fs.readFileSync(path.join(root, mount.split(':')[0]!), 'utf8'));
    const sd = config.scrape_configs[0].dns_sd_configs[0];
    expect([...sd.names].sort()).toEqual([...LOOM_SERVICES].sort());
    for (const name of LOOM_SERVICES) {
      expect(compose.services[name]!.environment).toMatchObject({ HEALTH_PORT: String(sd.port), OTEL_METRICS_EXPORTER: 'prometheus' });
    }
  });

  it('names only bundles that `npm run build` produces', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'loom-build-'));
    try {
      await buildServices({ outdir: out });
      for (const svc of Object.values(compose.services)) {
        const bundle = svc.command?.find((a) => a.startsWith('dist/'));
        if (bundle) expect(fs.existsSync(path.join(out, path.basename(bundle)))).toBe(true);
      }
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
