// Grsai (grsai.dakka.com.cn), the Sora-2 / Veo 3.1 reseller of seed 003: per-model request
// mapping, submit, result polling, and its (unsigned) result callbacks. It has no cancel API.
import { z } from 'zod';
import { classifyFailureMessage } from './failure-class';
import { createHttpClient, type ProviderIdentity } from './http-client';
import { collectHttpUrls, isHttpUrl, outputsFromUrls } from './outputs';
import type { Provider, ProviderErrorClass, ProviderState, ProviderStatus, SubmitRequest } from './provider';
import type { ProviderEndpointConfig } from './provider-config';
import { stderrLogger, type ProviderDeps } from './provider-deps';
import { ProviderError } from './provider-error';
import { StandardWebhookVerifier } from './standard-webhooks';
import { addWebhookToken, authenticateSharedSecretWebhook, DEFAULT_CALLBACK_TTL_MS, derivedDeliveryId } from './webhook-auth';
import { WebhookVerificationError } from './webhook-verification-error';

const identity: ProviderIdentity = { name: 'grsai', label: 'Grsai', apiKeyEnv: 'GRSAI_API_KEY', credentialNoun: 'key' };

export type GrsaiModel = 'sora-2' | 'veo3.1-fast' | 'veo3.1-pro';

/** Platform model names (seed 003's video_tasks.model) and Grsai's own -> Grsai's. */
export const GRSAI_MODELS: Readonly<Record<string, GrsaiModel>> = {
  'sora-2': 'sora-2',
  'veo-flash': 'veo3.1-fast',
  'veo-pro': 'veo3.1-pro',
  'veo3.1-fast': 'veo3.1-fast',
  'veo3.1-pro': 'veo3.1-pro',
};

/** Grsai's "webHook" value for polling mode: the result is read with POST /v1/draw/result. */
export const GRSAI_POLLING = '-1';
export const GRSAI_MAX_REFERENCE_IMAGES = 3;

const httpUrl = z.string().refine((s) => isHttpUrl(s), 'must be an http(s) URL');
const aspectRatio = z.enum(['9:16', '16:9']);
const duration = z.preprocess((v) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v), z.union([z.literal(10), z.literal(15)]));

/** The task input the adapter reads (seed 003's fields; snake_case aspect_ratio/reference_url accepted too). */
export const grsaiInputSchema = z.looseObject({
  model: z.string().optional(),
  prompt: z.string().trim().min(1, 'is required'),
  aspectRatio: aspectRatio.optional(),
  duration: duration.optional(),
  referenceUrl: httpUrl.optional(),
  firstFrameUrl: httpUrl.optional(),
  lastFrameUrl: httpUrl.optional(),
  meta: z
    .looseObject({
      firstFrameUrl: httpUrl.optional(),
      lastFrameUrl: httpUrl.optional(),
      urls: z.array(httpUrl).optional(),
    })
    .optional(),
});

function badInput(message: string): ProviderError {
  return new ProviderError('grsai', 'bad_input', `Grsai: ${message}`);
}

export interface GrsaiRequest {
  model: GrsaiModel;
  path: '/v1/video/sora-video' | '/v1/video/veo';
  body: Record<string, unknown>;
}

/**
 * One task -> Grsai's request. The model is settings.model (the task type's) or, when the type
 * leaves it open, input.model. Sora-2: prompt, aspectRatio, duration 10|15 (default 10),
 * size "small", url = the one reference image. Veo 3.1 fast/pro: prompt, aspectRatio,
 * firstFrameUrl/lastFrameUrl (input.meta, or top level), urls = input.meta.urls or
 * [input.referenceUrl], at most 3; no duration. aspectRatio defaults to settings.aspectRatio,
 * else 16:9. Anything that does not fit is bad_input before any call is made.
 */
export function buildGrsaiRequest(input: Record<string, unknown>, settings: Record<string, unknown>, webHook: string): GrsaiRequest {
  const requested = typeof settings.model === 'string' && settings.model ? settings.model : input.model;
  if (typeof requested !== 'string' || !requested) throw badInput(`no model: set settings.model in the task type or input.model (${Object.keys(GRSAI_MODELS).join(', ')})`);
  const model = GRSAI_MODELS[requested];
  if (!model) throw badInput(`unknown model "${requested}" (known: ${Object.keys(GRSAI_MODELS).join(', ')})`);

  const normalized = {
    ...input,
    aspectRatio: input.aspectRatio ?? input.aspect_ratio,
    referenceUrl: input.referenceUrl ?? input.reference_url,
  };
  const parsed = grsaiInputSchema.safeParse(normalized);
  if (!parsed.success) {
    throw badInput(parsed.error.issues.map((i) => `input.${i.path.join('.')} ${i.message}`).join('; '));
  }
  const t = parsed.data;
  const ratio = t.aspectRatio ?? (aspectRatio.safeParse(settings.aspectRatio).success ? settings.aspectRatio : '16:9');
  const firstFrameUrl = t.meta?.firstFrameUrl ?? t.firstFrameUrl;
  const lastFrameUrl = t.meta?.lastFrameUrl ?? t.lastFrameUrl;
  const metaUrls = t.meta?.urls?.length ? t.meta.urls : undefined;

  if (model === 'sora-2') {
    if (firstFrameUrl || lastFrameUrl) throw badInput('firstFrameUrl/lastFrameUrl are Veo parameters; sora-2 takes one reference image (referenceUrl)');
    if (metaUrls && metaUrls.length > 1) throw badInput(`sora-2 takes one reference image, got ${metaUrls.length} in meta.urls`);
    const url = t.referenceUrl ?? metaUrls?.[0];
    const settingsDuration = duration.safeParse(settings.duration);
    const body: Record<string, unknown> = {
      model,
      prompt: t.prompt,
      aspectRatio: ratio,
      duration: t.duration ?? (settingsDuration.success ? settingsDuration.data : 10),
      size: 'small',
      ...(url ? { url } : {}),
      webHook,
      shutProgress: false,
    };
    return { model, path: '/v1/video/sora-video', body };
  }

  if (t.duration !== undefined) throw badInput(`${model} takes no duration (Sora only)`);
  const urls = metaUrls ?? (t.referenceUrl ? [t.referenceUrl] : undefined);
  if (urls && urls.length > GRSAI_MAX_REFERENCE_IMAGES) throw badInput(`${model} takes at most ${GRSAI_MAX_REFERENCE_IMAGES} reference images, got ${urls.length}`);
  const body: Record<string, unknown> = {
    model,
    prompt: t.prompt,
    aspectRatio: ratio,
    ...(firstFrameUrl ? { firstFrameUrl } : {}),
    ...(lastFrameUrl ? { lastFrameUrl } : {}),
    ...(urls ? { urls } : {}),
    webHook,
    shutProgress: false,
  };
  return { model, path: '/v1/video/veo', body };
}

export const grsaiResultSchema = z.looseObject({
  id: z.union([z.string().min(1), z.number()]).transform(String),
  status: z.string(),
  progress: z.coerce.number().optional().catch(undefined),
  results: z.unknown().optional(),
  url: z.unknown().optional(),
  failure_reason: z.string().nullish(),
  error: z.string().nullish(),
});
export type GrsaiResult = z.infer<typeof grsaiResultSchema>;

/**
 * Grsai result -> status. running (with progress), succeeded (results[].url), failed, and
 * violation = failed with class bad_input (content policy: a retry gets the same answer).
 * A plain failure is transient unless its words say policy or bad request: the reseller's
 * failures are mostly upstream capacity, it refunds them, and maxAttempts bounds the retries.
 */
export function mapGrsaiResult(r: GrsaiResult): ProviderStatus {
  const externalId = r.id;
  const progress = r.progress !== undefined && Number.isFinite(r.progress) ? Math.max(0, Math.min(100, Math.floor(r.progress))) : undefined;
  const reason = [r.failure_reason, r.error].filter((x): x is string => typeof x === 'string' && x.length > 0).join(': ');
  switch (r.status) {
    case 'succeeded':
      return { externalId, state: 'succeeded', progress: 100, outputs: outputsFromUrls(collectHttpUrls([r.results, r.url]), 'video/mp4') };
    case 'violation': {
      const message = `content policy violation${reason ? `: ${reason}` : ''}`;
      return { externalId, state: 'failed', message, error: { class: 'bad_input', message } };
    }
    case 'failed': {
      const message = reason || 'Grsai reported the task failed';
      return { externalId, state: 'failed', message, error: { class: classifyFailureMessage(message, 'transient'), message } };
    }
    case 'running':
      return progress === undefined ? { externalId, state: 'running' } : { externalId, state: 'running', progress: Math.min(progress, 99) };
    default: {
      // An unknown status is not an end: keep following it.
      const state: ProviderState = 'running';
      return { externalId, state, message: `unknown Grsai status "${r.status}"` };
    }
  }
}

/** A non-zero `code` -> class, from the message (Grsai's codes are not documented). */
export function classifyGrsaiError(msg: string): ProviderErrorClass {
  if (/api.?key|invalid token|unauthori[sz]ed|authenticat|密钥/i.test(msg)) return 'auth';
  if (/balance|credit|insufficient|余额|积分/i.test(msg)) return 'permanent';
  if (/rate.?limit|too many|frequen|concurren|限流|频繁/i.test(msg)) return 'rate_limited';
  if (/violat|policy|sensitive|moderation|违规|敏感/i.test(msg)) return 'bad_input';
  if (/param|invalid|required|must|not supported|参数/i.test(msg)) return 'bad_input';
  if (/timeout|busy|internal|system|unavailable|超时|繁忙/i.test(msg)) return 'transient';
  return 'permanent';
}

const envelopeSchema = z.looseObject({
  code: z.union([z.number(), z.string().regex(/^-?\d+$/).transform(Number)]),
  msg: z.string().nullish(),
  data: z.unknown().optional(),
});

export function createGrsaiProvider(config: ProviderEndpointConfig, deps: ProviderDeps = {}): Provider {
  const http = createHttpClient(
    identity,
    { baseUrl: config.baseUrl, timeoutMs: config.timeoutMs, headers: config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {} },
    deps.fetch,
  );
  const verifier = new StandardWebhookVerifier('grsai', { toleranceMs: config.webhookToleranceMs, now: deps.now });
  const logger = deps.logger ?? stderrLogger;
  let warnedNoSecret = false;

  async function call(path: string, body: Record<string, unknown>, signal?: AbortSignal): Promise<unknown> {
    if (!config.apiKey) throw new ProviderError('grsai', 'auth', 'Grsai API key is not set: set GRSAI_API_KEY');
    const res = await http({ method: 'POST', path, body, signal });
    const env = envelopeSchema.safeParse(res.body);
    if (!env.success) throw new ProviderError('grsai', 'permanent', `Grsai ${path}: unexpected response (no code)`);
    if (env.data.code !== 0) {
      const msg = env.data.msg ?? '';
      const cls = classifyGrsaiError(msg);
      const text = cls === 'auth' ? `Grsai rejected the API key (code ${env.data.code} ${msg}): check GRSAI_API_KEY` : `Grsai ${path} failed (code ${env.data.code}${msg ? ` ${msg}` : ''})`;
      throw new ProviderError('grsai', cls, text);
    }
    return env.data.data;
  }

  function webHook(req: SubmitRequest): string {
    const { webhookUrl } = req;
    if (!webhookUrl) return GRSAI_POLLING;
    if (!config.webhookSecret) {
      if (!warnedNoSecret) logger.warn({ provider: 'grsai' }, 'GRSAI_WEBHOOK_SECRET is not set: Grsai tasks are followed by polling only');
      warnedNoSecret = true;
      return GRSAI_POLLING;
    }
    return addWebhookToken(webhookUrl, config.webhookSecret, 'grsai', req.taskId, req.callbackExpiresAt ?? new Date((deps.now ?? Date.now)() + DEFAULT_CALLBACK_TTL_MS));
  }

  function parseResult(data: unknown, what: string): GrsaiResult {
    const parsed = grsaiResultSchema.safeParse(data);
    if (!parsed.success) throw new ProviderError('grsai', 'permanent', `Grsai ${what}: unexpected result (no id/status)`);
    return parsed.data;
  }

  return {
    name: 'grsai',

    async submit(req: SubmitRequest) {
      const { path, body } = buildGrsaiRequest(req.input, req.settings, webHook(req));
      const data = await call(path, body, req.signal);
      const id = (data as { id?: unknown } | null | undefined)?.id;
      if ((typeof id !== 'string' || !id) && typeof id !== 'number') throw new ProviderError('grsai', 'permanent', `Grsai ${path}: no id in the response`);
      return { externalId: String(id) };
    },

    async getStatus(externalId, signal) {
      const data = await call('/v1/draw/result', { id: externalId }, signal);
      return mapGrsaiResult(parseResult(data, 'POST /v1/draw/result'));
    },

    async cancel(externalId) {
      // The reseller has no cancel endpoint: the job runs to its end there (and is billed there).
      // Loom still ends the task as cancelled and ignores what arrives for it afterwards.
      logger.warn({ provider: 'grsai', externalId }, 'Grsai has no cancel API: the job keeps running at the provider');
    },

    async verifyWebhook(headers, rawBody, context) {
      const { deliveryId, taskId } = authenticateSharedSecretWebhook({
        provider: 'grsai',
        label: 'Grsai',
        secretEnv: 'GRSAI_WEBHOOK_SECRET',
        secret: config.webhookSecret,
        verifier,
        headers,
        rawBody,
        context,
        now: deps.now,
      });
      let body: unknown;
      try {
        body = JSON.parse(rawBody.toString('utf8'));
      } catch {
        throw new WebhookVerificationError('grsai', 'malformed_body', 'Grsai webhook body is not JSON');
      }
      // The callback carries the result object; accept it wrapped in {code, data} too.
      const wrapped = body as { code?: unknown; data?: unknown } | null;
      const result = grsaiResultSchema.safeParse(wrapped && typeof wrapped === 'object' && 'code' in wrapped && wrapped.data ? wrapped.data : body);
      if (!result.success) throw new WebhookVerificationError('grsai', 'malformed_body', 'Grsai webhook body is not a result (no id/status)');
      // Unsigned by Grsai: a hint naming the job, never its outcome (status-sync asks the API).
      const externalId = result.data.id;
      return { deliveryId: deliveryId ?? derivedDeliveryId('grsai', externalId, rawBody), externalId, ...(taskId ? { taskId } : {}) };
    },
  };
}
