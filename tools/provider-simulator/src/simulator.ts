// The provider simulator: one HTTP server speaking Replicate's (/replicate/...), RunningHub's
// (/runninghub/...) and Grsai's (/grsai/...) API shapes, serving output files (/files/...), with
// latency, progress, failures, 429s, outages and signed webhooks under the caller's control.
import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import type { ProviderApi, SimContext, SimReply, SimRequest, WebhookMoment } from './api';
import { expectedSha256, outputFileStream, sha256OfStream } from './files';
import { grsaiApi } from './grsai.api';
import { decideFate, isTerminal, newJobId, phaseAt, phaseChanges, type SimJob } from './jobs';
import { PROVIDER_KEYS, resolveOptions, simulatorProviderEnv, type ProviderKey, type SimulatorOptions } from './options';
import { replicateApi } from './replicate.api';
import { runningHubApi } from './runninghub.api';
import { signedHeaders } from './signing';

const APIS: Record<ProviderKey, ProviderApi> = { replicate: replicateApi, runninghub: runningHubApi, grsai: grsaiApi };
/** The endpoints that create a job (submitAnswerDelayMs delays their answer after the job exists). */
const SUBMIT_ENDPOINTS = new Set(['replicate.create', 'runninghub.create', 'grsai.sora', 'grsai.veo']);
const MAX_BODY = 1024 * 1024;
/** Finished jobs (and their files) are forgotten after an hour, as Replicate deletes outputs about an hour after completion. */
const JOB_RETENTION_MS = 3600_000;

export interface SimulatorStats {
  /** API calls per endpoint ("replicate.create", "runninghub.status", "grsai.veo", ...), including refused ones. */
  calls: Record<string, number>;
  /** Cancel requests that reached a known job, per provider. */
  cancels: Record<ProviderKey, number>;
  /** Jobs created, per provider. */
  jobs: Record<ProviderKey, number>;
  /** Jobs not yet at an end, now. */
  inFlight: number;
  inFlightByProvider: Record<ProviderKey, number>;
  /** Calls answered 429 by rateLimitRate (not counting maxInFlight refusals). */
  rateLimited: number;
  /** Calls refused for a wrong key. */
  unauthorized: number;
  webhooks: { delivered: number; failed: number };
  files: { served: number; bytes: number };
  /** The last request body per endpoint (RunningHub's apiKey masked), for checking parameter mapping. */
  lastRequests: Record<string, unknown>;
}

export interface SimulatorHandle {
  /** http://host:port, stable across outages. */
  readonly url: string;
  readonly port: number;
  /** Changes options on the running simulator; resolves once an outage switch took effect. */
  setOptions(partial: Partial<SimulatorOptions>): Promise<void>;
  options(): SimulatorOptions;
  stats(): SimulatorStats;
  resetStats(): void;
  /** sha256 of a job's output file, from its recorded size (throws for an unknown job). */
  expectedSha256(jobId: string, index: number): string;
  /** The libs/providers variables pointing every adapter at this simulator. */
  providerEnv(): Record<string, string>;
  close(): Promise<void>;
}

const perProvider = (): Record<ProviderKey, number> => ({ replicate: 0, runninghub: 0, grsai: 0 });

function emptyStats(): Omit<SimulatorStats, 'inFlight' | 'inFlightByProvider'> {
  return { calls: {}, cancels: perProvider(), jobs: perProvider(), rateLimited: 0, unauthorized: 0, webhooks: { delivered: 0, failed: 0 }, files: { served: 0, bytes: 0 }, lastRequests: {} };
}

function redact(body: unknown): unknown {
  if (body && typeof body === 'object' && !Array.isArray(body) && 'apiKey' in body) return { ...(body as Record<string, unknown>), apiKey: '***' };
  return body;
}

function send(res: ServerResponse, reply: SimReply): void {
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...reply.headers });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<{ body: unknown; ok: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return { body: undefined, ok: false };
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) return { body: undefined, ok: true };
  try {
    return { body: JSON.parse(text), ok: true };
  } catch {
    return { body: undefined, ok: false };
  }
}

export async function startSimulator(partial: Partial<SimulatorOptions> = {}): Promise<SimulatorHandle> {
  let options = resolveOptions(partial);
  const jobs = new Map<string, SimJob>();
  const timers = new Map<string, NodeJS.Timeout[]>();
  const webhookChains = new Map<string, Promise<void>>();
  const closing = new AbortController();
  let stats = emptyStats();
  let listening = false;
  let closed = false;

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, { status: 500, body: { detail: `simulator error: ${String(err)}` } });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;

  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, options.host, () => {
        server.off('error', reject);
        listening = true;
        resolve((server.address() as AddressInfo).port);
      });
    });
  const stopListening = () =>
    new Promise<void>((resolve) => {
      if (!listening) return resolve();
      listening = false;
      server.close(() => resolve());
      server.closeAllConnections(); // keep-alive sockets too: clients must see the outage at once
    });

  const port = await listen(options.port);
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  const baseUrl = () => (options.publicUrl ?? url).replace(/\/+$/, '');
  await applyOutage();

  function fileUrls(job: SimJob): string[] {
    return Array.from({ length: job.outputCount }, (_, i) => `${baseUrl()}/files/${job.id}/${i}`);
  }

  function inFlight(provider?: ProviderKey): number {
    const now = Date.now();
    let n = 0;
    for (const job of jobs.values()) if ((!provider || job.provider === provider) && !isTerminal(phaseAt(job, now).state)) n++;
    return n;
  }

  function forgetOldJobs(): void {
    const now = Date.now();
    for (const [id, job] of jobs) {
      const endedAt = Math.min(job.cancelledAt ?? Infinity, job.createdAt + job.durationMs);
      if (now - endedAt > JOB_RETENTION_MS) {
        jobs.delete(id);
        timers.delete(id);
      }
    }
  }

  function context(api: ProviderApi): SimContext {
    return {
      options,
      baseUrl: baseUrl(),
      now: Date.now,
      createJob(init) {
        forgetOldJobs();
        if (options.maxInFlight > 0 && inFlight(api.provider) >= options.maxInFlight) return undefined;
        const job: SimJob = {
          id: newJobId(api.provider),
          provider: api.provider,
          createdAt: Date.now(),
          durationMs: options.jobDurationMs,
          steps: options.progressSteps,
          fate: decideFate(init.requestText, options.failureRate),
          outputCount: options.outputCount,
          outputSize: options.outputSize,
          contentType: options.outputContentType,
          webhookUrl: init.webhookUrl,
          meta: init.meta,
        };
        jobs.set(job.id, job);
        stats.jobs[api.provider]++;
        if (job.webhookUrl) scheduleWebhooks(api, job);
        return job;
      },
      job: (id) => {
        const job = jobs.get(id);
        return job && job.provider === api.provider ? job : undefined;
      },
      jobs: () => [...jobs.values()].filter((j) => j.provider === api.provider).sort((a, b) => b.createdAt - a.createdAt),
      phase: (job) => phaseAt(job, Date.now()),
      cancel(job) {
        stats.cancels[api.provider]++;
        if (isTerminal(phaseAt(job, Date.now()).state)) return;
        job.cancelledAt = Date.now();
        for (const t of timers.get(job.id) ?? []) clearTimeout(t);
        timers.delete(job.id);
        if (job.webhookUrl) deliver(api, job, 'cancel');
      },
      fileUrls,
    };
  }

  function scheduleWebhooks(api: ProviderApi, job: SimJob): void {
    const list = phaseChanges(job).map(({ at, kind }) => {
      const t = setTimeout(() => deliver(api, job, kind, job.createdAt + at), Math.max(0, at));
      t.unref();
      return t;
    });
    timers.set(job.id, list);
  }

  // Deliveries of one job go out in order; a failed end delivery is retried twice, like real providers do (briefly).
  function deliver(api: ProviderApi, job: SimJob, moment: WebhookMoment, at = Date.now()): void {
    if (!options.webhooks || options.down || closed || !job.webhookUrl) return;
    const phase = phaseAt(job, Math.max(Date.now(), at));
    const bodies = api.webhookBodies(job, phase, moment, context(api));
    const target = job.webhookUrl;
    const attempts = moment === 'end' || moment === 'cancel' ? 3 : 1;
    const previous = webhookChains.get(job.id) ?? Promise.resolve();
    const next = previous.then(async () => {
      for (const body of bodies) {
        const text = JSON.stringify(body);
        const id = `msg_${randomUUID().replace(/-/g, '')}`;
        for (let attempt = 1; attempt <= attempts; attempt++) {
          if (closed) return;
          try {
            const res = await fetch(target, {
              method: 'POST',
              headers: {
                'content-type': 'application/json',
                'user-agent': 'loom-provider-simulator',
                ...(options.unsignedWebhooks && api.provider !== 'replicate' ? {} : signedHeaders(options.webhookSecrets[api.provider], text, Date.now(), id)),
              },
              body: text,
              signal: AbortSignal.any([closing.signal, AbortSignal.timeout(5_000)]),
            });
            await res.arrayBuffer().catch(() => undefined);
            if (res.ok) {
              stats.webhooks.delivered++;
              break;
            }
            throw new Error(`HTTP ${res.status}`);
          } catch {
            if (attempt === attempts) stats.webhooks.failed++;
            else await new Promise((r) => setTimeout(r, 250 * attempt).unref());
          }
        }
      }
    });
    webhookChains.set(job.id, next);
    if (moment === 'end' || moment === 'cancel') void next.finally(() => webhookChains.get(job.id) === next && webhookChains.delete(job.id));
  }

  async function serveFile(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const m = /^\/files\/([^/]+)\/(\d+)(\/sha256)?$/.exec(path);
    const job = m ? jobs.get(decodeURIComponent(m[1]!)) : undefined;
    const index = m ? Number(m[2]) : -1;
    if (!job || index >= job.outputCount || phaseAt(job, Date.now()).state !== 'succeeded') {
      return send(res, { status: 404, body: { detail: 'no such file' } });
    }
    if (m![3]) {
      const sha256 = await sha256OfStream(outputFileStream(options.seed, job.id, index, job.outputSize));
      return send(res, { status: 200, body: { sha256, size: job.outputSize } });
    }
    res.writeHead(200, { 'content-type': job.contentType, 'content-length': job.outputSize, 'cache-control': 'no-store' });
    if (req.method === 'HEAD') return void res.end();
    stats.files.served++;
    const stream = outputFileStream(options.seed, job.id, index, job.outputSize);
    stream.on('data', (chunk: Buffer) => (stats.files.bytes += chunk.length));
    await pipeline(stream, res).catch(() => undefined); // the client went away
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const parsedUrl = new URL(req.url ?? '/', 'http://sim');
    const path = parsedUrl.pathname;
    if (options.down && !path.split('/')[1]?.match(/^(replicate|runninghub|grsai)$/)) return send(res, { status: 503, body: { detail: 'simulated outage' } });
    if (path.startsWith('/files/') && (req.method === 'GET' || req.method === 'HEAD')) return serveFile(req, res, path);
    if (path === '/healthz') return send(res, { status: 200, body: { ok: true } });

    const prefix = path.split('/')[1] as ProviderKey;
    const api = PROVIDER_KEYS.includes(prefix) ? APIS[prefix] : undefined;
    const subPath = path.slice(prefix.length + 1) || '/';
    const route = api?.route(req.method ?? 'GET', subPath);
    if (!api || !route) return send(res, { status: 404, body: { detail: `no simulated endpoint ${req.method} ${path}` } });

    const { body, ok } = await readBody(req);
    stats.calls[route.endpoint] = (stats.calls[route.endpoint] ?? 0) + 1;
    if (body !== undefined) stats.lastRequests[route.endpoint] = redact(body);
    if (options.latencyMs > 0) await new Promise((r) => setTimeout(r, options.latencyMs));
    if (closed) return void res.destroy();
    if (options.down) return send(res, api.unavailable());
    if (!ok) return send(res, { status: 400, body: { detail: 'body is not JSON (or larger than 1 MiB)' } });

    const simReq: SimRequest = { method: req.method ?? 'GET', path: subPath, query: parsedUrl.search.slice(1), headers: req.headers, body };
    if (!api.authorized(simReq, options.apiKey)) {
      stats.unauthorized++;
      return send(res, api.unauthorized());
    }
    if (options.rateLimitRate > 0 && Math.random() < options.rateLimitRate) {
      stats.rateLimited++;
      return send(res, api.rateLimited(options.retryAfterSeconds));
    }
    const reply = route.handle(simReq, context(api));
    if (SUBMIT_ENDPOINTS.has(route.endpoint) && options.submitAnswerDelayMs > 0) {
      await new Promise((r) => setTimeout(r, options.submitAnswerDelayMs));
      if (closed || res.destroyed) return void res.destroy();
    }
    send(res, reply);
  }

  // "refuse": nothing listens while down (connection refused); "503": the server answers 503.
  async function applyOutage(): Promise<void> {
    if (closed) return;
    if (options.down && options.downMode === 'refuse') await stopListening();
    else if (!listening) await listen(port);
  }

  return {
    url,
    port,
    async setOptions(change) {
      options = resolveOptions({ ...change, port }, options);
      await applyOutage();
    },
    options: () => ({ ...options, webhookSecrets: { ...options.webhookSecrets } }),
    stats() {
      const byProvider = perProvider();
      for (const key of PROVIDER_KEYS) byProvider[key] = inFlight(key);
      const snapshot = structuredClone(stats);
      return { ...snapshot, inFlight: byProvider.replicate + byProvider.runninghub + byProvider.grsai, inFlightByProvider: byProvider };
    },
    resetStats() {
      stats = emptyStats();
    },
    expectedSha256(jobId, index) {
      const job = jobs.get(jobId);
      if (!job) throw new Error(`provider-simulator: no job ${jobId}`);
      return expectedSha256(jobId, index, job.outputSize, options.seed);
    },
    providerEnv: () => simulatorProviderEnv(url, options),
    async close() {
      if (closed) return;
      closed = true;
      closing.abort();
      for (const list of timers.values()) for (const t of list) clearTimeout(t);
      timers.clear();
      await stopListening();
    },
  };
}
