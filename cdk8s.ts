// The Kubernetes manifests, as code: `npm run synth` writes k8s/ (committed; test/deploy/k8s.test.ts
// fails when it drifts from a fresh synth, and validates every object against the Kubernetes
// schemas). Deploy with `kubectl apply -f k8s/` once the loom-secrets Secret exists (README).
//
// What it makes, in the namespace `loom`:
//   - a Deployment per service from the one image (the command picks the service), non-root,
//     read-only root filesystem, requests and limits, /readyz and /healthz probes;
//   - a ConfigMap with the non-secret environment, and secretKeyRefs into `loom-secrets`
//     (AMQP_URL, MONGO_URL, S3 endpoint and keys, provider tokens), which is never in git;
//   - Services, a PodDisruptionBudget per Deployment, HorizontalPodAutoscalers for the gateway
//     and status-sync, and NetworkPolicies that admit outside traffic to the gateway only;
//   - the broker's settings (config/rabbitmq/rabbitmq.conf's consumer_timeout) as a ConfigMap
//     for whoever runs RabbitMQ in the cluster (the Cluster Operator or a StatefulSet);
//   - metrics: every pod serves Prometheus text at /metrics on its health port (8081, the
//     gateway's too, off its API port), announced by prometheus.io/* pod annotations for a plain
//     Prometheus and by a ServiceMonitor for the Prometheus Operator; a NetworkPolicy admits that
//     port from the monitoring namespace only.
import fs from 'node:fs';
import path from 'node:path';
import { ApiObject, App, Chart, Duration, JsonPatch, Size, YamlOutputType, type ChartProps } from 'cdk8s';
import * as kplus from 'cdk8s-plus-33';
import { KubeNamespace, KubeNetworkPolicy, KubePodDisruptionBudget, IntOrString } from 'cdk8s-plus-33/lib/imports/k8s';
import type { Construct } from 'constructs';

const NAMESPACE = 'loom';
/** The image built from ./Dockerfile; push it to your registry and change this (then `npm run synth`). */
const IMAGE = 'ghcr.io/loom/loom:0.1.0';
/** The Secret every deployment reads its credentials from; create it by hand (README), never commit it. */
const SECRET_NAME = 'loom-secrets';
/** Where the OTLP/HTTP collector listens (an OpenTelemetry Collector, or Jaeger's 4318). */
const OTLP_ENDPOINT = 'http://otel-collector.observability.svc.cluster.local:4318';
const GATEWAY_PORT = 8080;
/** Health probes (workers) and /metrics (every service). */
const HEALTH_PORT = 8081;
/** The namespace Prometheus runs in (kube-prometheus-stack's default); its pods may scrape /metrics. */
const MONITORING_NAMESPACE = 'monitoring';
/** How long a stopping executor lets its task finish before handing it back (EXECUTOR_DRAIN_MS). */
const EXECUTOR_DRAIN_MS = 25_000;

const root = __dirname;

/** The non-secret environment every service shares (libs/config/src/env.ts has the meaning of each). */
const sharedConfig: Record<string, string> = {
  LOOM_NAMESPACE: 'loom',
  LOG_LEVEL: 'info',
  GATEWAY_PORT: String(GATEWAY_PORT),
  HEALTH_PORT: String(HEALTH_PORT),
  EXECUTOR_DRAIN_MS: String(EXECUTOR_DRAIN_MS),
  S3_REGION: 'auto',
  S3_BUCKET: 'loom-outputs',
  OTEL_EXPORTER_OTLP_ENDPOINT: OTLP_ENDPOINT,
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
  // Traces over OTLP; metrics scraped from /metrics on HEALTH_PORT.
  OTEL_TRACES_EXPORTER: 'otlp',
  OTEL_METRICS_EXPORTER: 'prometheus',
};

/** What a plain Prometheus (kubernetes_sd pod role with the usual relabelling) reads to scrape a pod. */
const SCRAPE_ANNOTATIONS = { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(HEALTH_PORT), 'prometheus.io/path': '/metrics' };

/** Keys of loom-secrets: the required ones, then provider tokens a deployment may leave out. */
const SECRET_KEYS = ['AMQP_URL', 'MONGO_URL', 'S3_ENDPOINT', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'];
const OPTIONAL_SECRET_KEYS = [
  'REPLICATE_API_TOKEN',
  'REPLICATE_WEBHOOK_SECRET',
  'RUNNINGHUB_API_KEY',
  'RUNNINGHUB_WEBHOOK_SECRET',
  'GRSAI_API_KEY',
  'GRSAI_WEBHOOK_SECRET',
];

interface ServiceSpec {
  name: 'gateway' | 'scheduler' | 'executor' | 'status-sync' | 'settlement';
  port: number;
  /** Fixed replicas; autoscaled services start at autoscale.min instead. */
  replicas: number;
  cpu: { request: number; limit: number };
  memoryMi: { request: number; limit: number };
  /** terminationGracePeriodSeconds: how long SIGTERM may take before SIGKILL. */
  graceSeconds: number;
  autoscale?: { min: number; max: number; cpuPercent: number };
}

const SERVICES: ServiceSpec[] = [
  { name: 'gateway', port: GATEWAY_PORT, replicas: 2, cpu: { request: 100, limit: 1000 }, memoryMi: { request: 192, limit: 512 }, graceSeconds: 30, autoscale: { min: 2, max: 6, cpuPercent: 70 } },
  { name: 'scheduler', port: HEALTH_PORT, replicas: 2, cpu: { request: 50, limit: 500 }, memoryMi: { request: 128, limit: 384 }, graceSeconds: 30 },
  // Two replicas = one active consumer per task type plus a standby. Every replica subscribes to
  // every type's quorum queue, declared with x-single-active-consumer: RabbitMQ delivers to one
  // consumer only and, when that consumer's channel closes (pod stopped or dead), requeues its
  // unacked task to the other. The grace period outlasts EXECUTOR_DRAIN_MS so a stopping executor
  // can finish its task or hand it back before it is killed.
  { name: 'executor', port: HEALTH_PORT, replicas: 2, cpu: { request: 100, limit: 1000 }, memoryMi: { request: 256, limit: 1024 }, graceSeconds: EXECUTOR_DRAIN_MS / 1000 + 20 },
  { name: 'status-sync', port: HEALTH_PORT, replicas: 2, cpu: { request: 100, limit: 1000 }, memoryMi: { request: 192, limit: 768 }, graceSeconds: 45, autoscale: { min: 2, max: 6, cpuPercent: 70 } },
  { name: 'settlement', port: HEALTH_PORT, replicas: 2, cpu: { request: 50, limit: 500 }, memoryMi: { request: 128, limit: 384 }, graceSeconds: 30 },
];

const labelsOf = (service: string) => ({
  'app.kubernetes.io/name': service,
  'app.kubernetes.io/part-of': 'loom',
  'app.kubernetes.io/component': service === 'gateway' ? 'api' : 'worker',
});

/** rabbitmq.conf for the cluster's broker: the shipped consumer_timeout (its reason is in the file) and a disk floor. */
function brokerConfig(): string {
  const local = fs.readFileSync(path.join(root, 'config', 'rabbitmq', 'rabbitmq.conf'), 'utf8');
  const timeout = /^consumer_timeout\s*=\s*(\d+)/m.exec(local)?.[1];
  if (!timeout) throw new Error('config/rabbitmq/rabbitmq.conf sets no consumer_timeout');
  return [
    '# Loom on Kubernetes. For the RabbitMQ Cluster Operator put these lines in',
    '# spec.rabbitmq.additionalConfig; for a StatefulSet mount this key as /etc/rabbitmq/conf.d/20-loom.conf.',
    '# consumer_timeout: executors hold a task\'s delivery unacked until the task ends, longer than the',
    '# 30-minute default for videos (the reason in full: config/rabbitmq/rabbitmq.conf).',
    `consumer_timeout = ${timeout}`,
    'disk_free_limit.absolute = 2GB',
    '',
  ].join('\n');
}

export class LoomChart extends Chart {
  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, { ...props, namespace: NAMESPACE, labels: { 'app.kubernetes.io/part-of': 'loom' } });

    // A Namespace is cluster-scoped: it takes no namespace of its own.
    new KubeNamespace(this, 'namespace', { metadata: { name: NAMESPACE } }).addJsonPatch(JsonPatch.remove('/metadata/namespace'));

    const config = new kplus.ConfigMap(this, 'config', { metadata: { name: 'loom-config' }, data: sharedConfig });
    new kplus.ConfigMap(this, 'rabbitmq-config', { metadata: { name: 'loom-rabbitmq-config' }, data: { 'rabbitmq.conf': brokerConfig() } });
    const secret = kplus.Secret.fromSecretName(this, 'secrets', SECRET_NAME);

    const env: Record<string, kplus.EnvValue> = {};
    for (const key of SECRET_KEYS) env[key] = kplus.EnvValue.fromSecretValue({ secret, key });
    for (const key of OPTIONAL_SECRET_KEYS) env[key] = kplus.EnvValue.fromSecretValue({ secret, key }, { optional: true });

    for (const spec of SERVICES) {
      const labels = labelsOf(spec.name);
      const deployment = new kplus.Deployment(this, spec.name, {
        metadata: { name: `loom-${spec.name}`, labels },
        podMetadata: { labels, annotations: SCRAPE_ANNOTATIONS },
        // An autoscaled Deployment leaves its replica count to its HorizontalPodAutoscaler.
        replicas: spec.autoscale ? undefined : spec.replicas,
        terminationGracePeriod: Duration.seconds(spec.graceSeconds),
        automountServiceAccountToken: false,
        securityContext: { ensureNonRoot: true, user: 1000, group: 1000 },
        containers: [
          {
            name: spec.name,
            image: IMAGE,
            imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
            command: ['node', '--enable-source-maps', `dist/${spec.name}.js`],
            ports: spec.name === 'gateway' ? [{ number: spec.port, name: 'http' }, { number: HEALTH_PORT, name: 'metrics' }] : [{ number: spec.port, name: 'metrics' }],
            envFrom: [kplus.Env.fromConfigMap(config)],
            envVariables: env,
            resources: {
              cpu: { request: kplus.Cpu.millis(spec.cpu.request), limit: kplus.Cpu.millis(spec.cpu.limit) },
              memory: { request: Size.mebibytes(spec.memoryMi.request), limit: Size.mebibytes(spec.memoryMi.limit) },
            },
            readiness: kplus.Probe.fromHttpGet('/readyz', { port: spec.port, periodSeconds: Duration.seconds(5), failureThreshold: 3 }),
            liveness: kplus.Probe.fromHttpGet('/healthz', { port: spec.port, initialDelaySeconds: Duration.seconds(10), periodSeconds: Duration.seconds(10), failureThreshold: 3 }),
            securityContext: { ensureNonRoot: true, user: 1000, group: 1000, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, privileged: false },
          },
        ],
      });

      new kplus.Service(this, `${spec.name}-service`, {
        metadata: { name: `loom-${spec.name}`, labels },
        selector: deployment,
        ports:
          spec.name === 'gateway'
            ? [
                { name: 'http', port: 80, targetPort: spec.port },
                { name: 'metrics', port: HEALTH_PORT, targetPort: HEALTH_PORT },
              ]
            : [{ name: 'metrics', port: spec.port, targetPort: spec.port }],
      });

      // Voluntary disruptions (node drains, upgrades) take one pod of a service at a time; for the
      // executor that leaves the standby of every type group in place.
      new KubePodDisruptionBudget(this, `${spec.name}-pdb`, {
        metadata: { name: `loom-${spec.name}`, labels },
        spec: { maxUnavailable: IntOrString.fromNumber(1), selector: { matchLabels: { 'app.kubernetes.io/name': spec.name, 'app.kubernetes.io/part-of': 'loom' } } },
      });

      if (spec.autoscale) {
        new kplus.HorizontalPodAutoscaler(this, `${spec.name}-hpa`, {
          metadata: { name: `loom-${spec.name}`, labels },
          target: deployment,
          minReplicas: spec.autoscale.min,
          maxReplicas: spec.autoscale.max,
          metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(spec.autoscale.cpuPercent))],
        });
      }
    }

    // Nothing reaches a Loom pod unless a policy below admits it...
    new KubeNetworkPolicy(this, 'default-deny-ingress', {
      metadata: { name: 'loom-default-deny-ingress' },
      spec: { podSelector: { matchLabels: { 'app.kubernetes.io/part-of': 'loom' } }, policyTypes: ['Ingress'] },
    });
    // ...the metrics port of every pod from Prometheus in the monitoring namespace...
    new KubeNetworkPolicy(this, 'metrics-ingress', {
      metadata: { name: 'loom-metrics-ingress' },
      spec: {
        podSelector: { matchLabels: { 'app.kubernetes.io/part-of': 'loom' } },
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': MONITORING_NAMESPACE } } }],
            ports: [{ protocol: 'TCP', port: IntOrString.fromNumber(HEALTH_PORT) }],
          },
        ],
      },
    });
    // For the Prometheus Operator: scrape the `metrics` port of every Loom Service. (Its default
    // Prometheus selects ServiceMonitors by label; add yours to metadata.labels if it asks for one.)
    new ApiObject(this, 'service-monitor', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: 'loom', labels: { 'app.kubernetes.io/part-of': 'loom' } },
    }).addJsonPatch(
      JsonPatch.add('/spec', {
        selector: { matchLabels: { 'app.kubernetes.io/part-of': 'loom' } },
        namespaceSelector: { matchNames: [NAMESPACE] },
        endpoints: [{ port: 'metrics', path: '/metrics', interval: '15s' }],
      }),
    );
    // ...and only the gateway's API port is admitted, from anywhere (its Ingress or load balancer).
    // Kubelet probes come from the node, which network plugins admit regardless.
    new KubeNetworkPolicy(this, 'gateway-ingress', {
      metadata: { name: 'loom-gateway-ingress' },
      spec: {
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'gateway', 'app.kubernetes.io/part-of': 'loom' } },
        policyTypes: ['Ingress'],
        ingress: [{ ports: [{ protocol: 'TCP', port: IntOrString.fromNumber(GATEWAY_PORT) }] }],
      },
    });
  }
}

/** Writes the manifests into `outdir` (k8s/ by default): one file, k8s/loom.k8s.yaml. */
export function synth(outdir = path.join(root, 'k8s')): string[] {
  const app = new App({ outdir, yamlOutputType: YamlOutputType.FILE_PER_CHART });
  new LoomChart(app, 'loom');
  app.synth();
  return fs.readdirSync(outdir).filter((f) => f.endsWith('.yaml'));
}

if (require.main === module) {
  const files = synth();
  console.log(`[loom] wrote ${files.map((f) => `k8s/${f}`).join(', ')}`);
}
