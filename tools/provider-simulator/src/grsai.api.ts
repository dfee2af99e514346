// Grsai's shapes (seed 003's Sora-2 / Veo 3.1 reseller): submit per model family, POST
// /v1/draw/result to read, {code, msg, data} envelopes, no cancel, and callbacks carrying the
// result object at every progress step when a webHook URL (not "-1") was given.
import { bearer, isRecord, json, type ProviderApi, type SimContext, type SimReply, type SimRequest } from './api';
import type { JobPhase, SimJob } from './jobs';

const ok = (data: unknown) => json(200, { code: 0, msg: 'success', data });
const err = (msg: string, code = -1) => json(200, { code, msg, data: null });

const ASPECT = new Set(['9:16', '16:9']);

export function resultView(job: SimJob, phase: JobPhase, ctx: SimContext): Record<string, unknown> {
  const status =
    phase.state === 'succeeded' ? 'succeeded' : phase.state === 'failed' ? (job.fate === 'violation' ? 'violation' : 'failed') : 'running';
  return {
    id: job.id,
    results: phase.state === 'succeeded' ? ctx.fileUrls(job).map((url, i) => ({ url, removeWatermark: true, pid: `sim-${i}` })) : [],
    progress: phase.progress,
    status,
    failure_reason: status === 'violation' ? 'output_moderation' : status === 'failed' ? 'error' : '',
    error: status === 'violation' ? 'The output was flagged by content moderation' : status === 'failed' ? 'Simulated failure' : '',
  };
}

function validate(body: Record<string, unknown>, family: 'sora' | 'veo'): string | undefined {
  if (typeof body.prompt !== 'string' || !body.prompt.trim()) return 'prompt is required';
  if (typeof body.webHook !== 'string' || !body.webHook) return 'webHook is required by the simulator ("-1" for polling; streaming answers are not simulated)';
  if (body.aspectRatio !== undefined && !ASPECT.has(String(body.aspectRatio))) return `aspectRatio must be 9:16 or 16:9`;
  if (family === 'sora') {
    if (body.model !== 'sora-2') return `model ${String(body.model)} is not supported on this endpoint`;
    if (body.duration !== undefined && body.duration !== 10 && body.duration !== 15) return 'duration must be 10 or 15';
    if (body.url !== undefined && typeof body.url !== 'string') return 'url must be a string';
  } else {
    if (body.model !== 'veo3.1-fast' && body.model !== 'veo3.1-pro') return `model ${String(body.model)} is not supported on this endpoint`;
    if (body.duration !== undefined) return 'duration is not supported by veo models';
    if (body.urls !== undefined && (!Array.isArray(body.urls) || body.urls.length > 3)) return 'urls supports at most 3 images';
  }
  return undefined;
}

function submit(family: 'sora' | 'veo') {
  return (req: SimRequest, ctx: SimContext): SimReply => {
    const body = isRecord(req.body) ? req.body : {};
    const problem = validate(body, family);
    if (problem) return err(`param error: ${problem}`);
    const webHook = String(body.webHook);
    const job = ctx.createJob({ webhookUrl: webHook === '-1' ? undefined : webHook, meta: { model: body.model }, requestText: JSON.stringify(body) });
    if (!job) return grsaiApi.busy(ctx.options.retryAfterSeconds);
    return ok({ id: job.id });
  };
}

export const grsaiApi: ProviderApi = {
  provider: 'grsai',

  route(method, path) {
    if (method !== 'POST') return undefined;
    if (path === '/v1/video/sora-video') return { endpoint: 'grsai.sora', handle: submit('sora') };
    if (path === '/v1/video/veo') return { endpoint: 'grsai.veo', handle: submit('veo') };
    if (path === '/v1/draw/result') {
      return {
        endpoint: 'grsai.result',
        handle: (req, ctx) => {
          const id = isRecord(req.body) && (typeof req.body.id === 'string' || typeof req.body.id === 'number') ? String(req.body.id) : '';
          const job = id ? ctx.job(id) : undefined;
          return job ? ok(resultView(job, ctx.phase(job), ctx)) : err('task not found', -22);
        },
      };
    }
    return undefined;
  },

  authorized: (req, apiKey) => bearer(req.headers) === apiKey,
  unauthorized: () => json(401, { code: 401, msg: 'apikey is invalid', data: null }),
  rateLimited: (s) => json(429, { code: 429, msg: 'rate limit exceeded', data: null }, { 'retry-after': String(s) }),
  unavailable: () => json(503, { code: 503, msg: 'service unavailable', data: null }),
  busy: () => err('too many concurrent tasks for this key'),

  webhookBodies(job, phase, moment, ctx) {
    return moment === 'cancel' ? [] : [resultView(job, phase, ctx)];
  },
};
