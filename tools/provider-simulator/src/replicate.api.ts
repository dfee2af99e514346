// Replicate's shapes: predictions by version or by official model, read, cancel, the account's
// webhook signing secret, problem-details errors, and webhooks whose body is the prediction.
import { bearer, isRecord, json, type ProviderApi, type SimContext, type SimReply, type SimRequest } from './api';
import { isTerminal, queuedFor, type JobPhase, type SimJob } from './jobs';

const STATUS: Record<JobPhase['state'], string> = { queued: 'starting', running: 'processing', succeeded: 'succeeded', failed: 'failed', cancelled: 'canceled' };
const ALL_EVENTS = ['start', 'output', 'logs', 'completed'];

const problem = (status: number, title: string, detail: string, headers?: Record<string, string>) => json(status, { title, detail, status }, headers);

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function logs(job: SimJob, phase: JobPhase): string {
  if (phase.state === 'queued') return '';
  let out = 'Starting simulated prediction\n';
  const done = phase.state === 'succeeded' ? job.steps : phase.step;
  for (let k = 1; k <= done; k++) {
    const pct = Math.floor((100 * k) / job.steps);
    const bar = '#'.repeat(Math.round(pct / 10)).padEnd(10, ' ');
    out += `${String(pct).padStart(3)}%|${bar}| ${k}/${job.steps} [00:0${k}<00:0${job.steps - k}, 1.00it/s]\n`;
  }
  if (phase.state === 'failed') out += 'Traceback (most recent call last):\nRuntimeError: Simulated failure\n';
  return out;
}

export function predictionView(job: SimJob, phase: JobPhase, ctx: SimContext): Record<string, unknown> {
  const urls = ctx.fileUrls(job);
  const started = phase.state !== 'queued' ? iso(job.createdAt + queuedFor(job)) : null;
  const completed = isTerminal(phase.state) ? iso(Math.min(job.cancelledAt ?? Infinity, job.createdAt + job.durationMs)) : null;
  return {
    id: job.id,
    model: job.meta.model ?? 'loom-sim/model',
    version: job.meta.version ?? 'sim0000000000000000000000000000000000000000000000000000000000000',
    input: job.meta.input ?? {},
    logs: logs(job, phase),
    output: phase.state === 'succeeded' ? (urls.length === 1 ? urls[0] : urls) : null,
    error: phase.state === 'failed' ? 'Simulated failure' : null,
    status: STATUS[phase.state],
    source: 'api',
    data_removed: false,
    created_at: iso(job.createdAt),
    started_at: started,
    completed_at: completed,
    urls: {
      get: `${ctx.baseUrl}/replicate/v1/predictions/${job.id}`,
      cancel: `${ctx.baseUrl}/replicate/v1/predictions/${job.id}/cancel`,
    },
    metrics: phase.state === 'succeeded' ? { predict_time: (job.durationMs - queuedFor(job)) / 1000 } : {},
    ...(job.webhookUrl ? { webhook: job.webhookUrl, webhook_events_filter: job.meta.events } : {}),
  };
}

function create(req: SimRequest, ctx: SimContext, model?: string): SimReply {
  const body = isRecord(req.body) ? req.body : {};
  if (!model && (typeof body.version !== 'string' || !body.version)) return problem(422, 'Input validation failed', '- version: Required');
  if (!isRecord(body.input)) return problem(422, 'Input validation failed', '- input: Invalid type. Expected: object, given: ' + typeof body.input);
  const webhook = typeof body.webhook === 'string' && body.webhook ? body.webhook : undefined;
  if (webhook && !/^https?:\/\//.test(webhook)) return problem(422, 'Input validation failed', '- webhook: Does not match format \'uri\'');
  const events = Array.isArray(body.webhook_events_filter) ? body.webhook_events_filter.filter((e) => typeof e === 'string') : ALL_EVENTS;
  const job = ctx.createJob({ webhookUrl: webhook, meta: { model, version: body.version, input: body.input, events }, requestText: JSON.stringify(body) });
  if (!job) return replicateApi.busy(ctx.options.retryAfterSeconds);
  return json(201, predictionView(job, ctx.phase(job), ctx));
}

const LIST_PAGE = 100;

/** GET /v1/predictions: newest first, LIST_PAGE per page, `next` a cursor URL (as Replicate pages). */
function list(req: SimRequest, ctx: SimContext): SimReply {
  const offset = Math.max(0, Number(new URLSearchParams(req.query ?? '').get('cursor') ?? 0) || 0);
  const all = ctx.jobs();
  const page = all.slice(offset, offset + LIST_PAGE);
  const next = offset + LIST_PAGE < all.length ? `${ctx.baseUrl}/replicate/v1/predictions?cursor=${offset + LIST_PAGE}` : null;
  return json(200, { next, previous: null, results: page.map((job) => predictionView(job, ctx.phase(job), ctx)) });
}

export const replicateApi: ProviderApi = {
  provider: 'replicate',

  route(method, path) {
    if (method === 'POST' && path === '/v1/predictions') return { endpoint: 'replicate.create', handle: (req, ctx) => create(req, ctx) };
    let m = /^\/v1\/models\/([^/]+)\/([^/]+)\/predictions$/.exec(path);
    if (method === 'POST' && m) {
      const model = `${decodeURIComponent(m[1]!)}/${decodeURIComponent(m[2]!)}`;
      return { endpoint: 'replicate.create', handle: (req, ctx) => create(req, ctx, model) };
    }
    if (method === 'GET' && path === '/v1/predictions') return { endpoint: 'replicate.list', handle: (req, ctx) => list(req, ctx) };
    m = /^\/v1\/predictions\/([^/]+)$/.exec(path);
    if (method === 'GET' && m) {
      const id = decodeURIComponent(m[1]!);
      return {
        endpoint: 'replicate.get',
        handle: (_req, ctx) => {
          const job = ctx.job(id);
          return job ? json(200, predictionView(job, ctx.phase(job), ctx)) : problem(404, 'Not found', 'Not found.');
        },
      };
    }
    m = /^\/v1\/predictions\/([^/]+)\/cancel$/.exec(path);
    if (method === 'POST' && m) {
      const id = decodeURIComponent(m[1]!);
      return {
        endpoint: 'replicate.cancel',
        handle: (_req, ctx) => {
          const job = ctx.job(id);
          if (!job) return problem(404, 'Not found', 'Not found.');
          ctx.cancel(job);
          return json(200, predictionView(job, ctx.phase(job), ctx));
        },
      };
    }
    if (method === 'GET' && path === '/v1/webhooks/default/secret') {
      return { endpoint: 'replicate.webhookSecret', handle: (_req, ctx) => json(200, { key: ctx.options.webhookSecrets.replicate }) };
    }
    return undefined;
  },

  authorized: (req, apiKey) => bearer(req.headers) === apiKey,
  unauthorized: () => problem(401, 'Unauthenticated', 'You did not pass a valid authentication token'),
  rateLimited: (s) => problem(429, 'Request was throttled', `Request was throttled. Expected available in ${s} second${s === 1 ? '' : 's'}.`, { 'retry-after': String(s) }),
  unavailable: () => problem(503, 'Service Unavailable', 'Replicate is temporarily unavailable'),
  busy: (s) => problem(429, 'Too many concurrent predictions', 'You have reached the maximum number of concurrent predictions', { 'retry-after': String(s) }),

  webhookBodies(job, phase, moment, ctx) {
    const events = (job.meta.events as string[] | undefined) ?? ALL_EVENTS;
    const event = moment === 'start' ? 'start' : moment === 'progress' ? 'logs' : 'completed';
    return events.includes(event) ? [predictionView(job, phase, ctx)] : [];
  },
};
