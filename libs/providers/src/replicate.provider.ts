// Replicate (api.replicate.com): predictions created by version or by official model, read back
// by id, cancelled, and followed by Standard Webhooks-signed callbacks whose body is the
// prediction itself. Pure mapping functions are exported for unit tests.
import { z } from 'zod';
import { classifyFailureMessage } from './failure-class';
import { createHttpClient, type ProviderIdentity } from './http-client';
import { collectHttpUrls, outputsFromUrls } from './outputs';
import type { Provider, ProviderState, ProviderStatus, SubmitRequest } from './provider';
import type { ProviderEndpointConfig } from './provider-config';
import type { ProviderDeps } from './provider-deps';
import { ProviderError } from './provider-error';
import { StandardWebhookVerifier } from './standard-webhooks';
import { WebhookVerificationError } from './webhook-verification-error';

const identity: ProviderIdentity = { name: 'replicate', label: 'Replicate', apiKeyEnv: 'REPLICATE_API_TOKEN', credentialNoun: 'token' };

/** Every event, so progress and logs arrive by webhook too, not only the end. */
export const REPLICATE_WEBHOOK_EVENTS = ['start', 'output', 'logs', 'completed'] as const;

export const replicatePredictionSchema = z.looseObject({
  id: z.string().min(1),
  status: z.string(),
  output: z.unknown().optional(),
  error: z.unknown().optional(),
  logs: z.string().nullish(),
});
export type ReplicatePrediction = z.infer<typeof replicatePredictionSchema>;

/** GET /v1/predictions: the account's predictions, newest first, a cursor URL to the next page. */
const predictionListSchema = z.looseObject({
  next: z.string().nullish(),
  results: z.array(
    z.looseObject({
      id: z.string().min(1),
      created_at: z.string().nullish(),
      version: z.string().nullish(),
      model: z.string().nullish(),
      input: z.unknown().optional(),
    }),
  ),
});

/** Pages of the prediction list read when looking for a job (100 predictions each at Replicate). */
const FIND_JOB_MAX_PAGES = 10;
/** Clock skew allowed between us and Replicate when comparing created_at with the submit's start. */
const FIND_JOB_SKEW_MS = 60_000;

/** JSON with object keys sorted: two inputs are the same request whatever their key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/**
 * Replicate status -> platform state. `aborted` means Replicate ended the prediction before it
 * ran (e.g. its deadline passed while queued): nobody asked to cancel, so the task must not end
 * as `cancelled`; it is `failed` with class transient (it never ran, so a retry is safe).
 */
export const REPLICATE_STATES: Readonly<Record<string, ProviderState>> = {
  starting: 'queued',
  processing: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
  canceled: 'cancelled',
  aborted: 'failed',
};

// The last "NN%" or "NN/MM" in the logs (tqdm prints both: " 45%|####  | 45/100 [00:10<00:12]").
// "NN/MM" must stand alone, so dates (2024/05/01) and URL paths do not count.
const PROGRESS = /(\d{1,3}(?:\.\d+)?)\s*%|(?<![\w/.:-])(\d+)\s*\/\s*(\d+)(?![\w/.-])/g;

/** Progress 0-100 from the last progress marker in the logs; 99 at most (100 only on success). */
export function parseLogProgress(logs: string | null | undefined): number | undefined {
  if (!logs) return undefined;
  let last: number | undefined;
  for (const m of logs.slice(-8000).matchAll(PROGRESS)) {
    if (m[1] !== undefined) {
      const pct = Number(m[1]);
      if (pct <= 100) last = pct;
    } else {
      const done = Number(m[2]);
      const total = Number(m[3]);
      if (total > 0 && done <= total) last = (done / total) * 100;
    }
  }
  return last === undefined ? undefined : Math.min(99, Math.max(0, Math.floor(last)));
}

function lastLogLine(logs: string | null | undefined): string | undefined {
  const lines = (logs ?? '').split(/[\r\n]+/).map((l) => l.trim()).filter(Boolean);
  const last = lines[lines.length - 1];
  return last ? last.slice(0, 200) : undefined;
}

function errorText(error: unknown): string | undefined {
  if (error === undefined || error === null || error === '') return undefined;
  return typeof error === 'string' ? error : JSON.stringify(error);
}

export function mapReplicatePrediction(p: ReplicatePrediction): ProviderStatus {
  const state: ProviderState = REPLICATE_STATES[p.status] ?? 'running';
  const status: ProviderStatus = { externalId: p.id, state };
  const progress = state === 'succeeded' ? 100 : parseLogProgress(p.logs);
  if (progress !== undefined) status.progress = progress;
  const message = REPLICATE_STATES[p.status] ? lastLogLine(p.logs) : `unknown Replicate status "${p.status}"`;
  if (message) status.message = message;
  if (state === 'succeeded') status.outputs = outputsFromUrls(collectHttpUrls(p.output));
  if (p.status === 'aborted') {
    status.error = { class: 'transient', message: 'Replicate aborted the prediction before it ran (deadline reached)' };
  } else if (state === 'failed') {
    const text = errorText(p.error) ?? 'Replicate reported the prediction failed without an error';
    status.error = { class: classifyFailureMessage(text, 'permanent'), message: text.slice(0, 1000) };
  }
  return status;
}

function parsePrediction(body: unknown, what: string): ReplicatePrediction {
  const parsed = replicatePredictionSchema.safeParse(body);
  if (!parsed.success) throw new ProviderError('replicate', 'permanent', `Replicate ${what}: unexpected response (no prediction id/status)`);
  return parsed.data;
}

const MODEL_REF = /^([\w.-]+)\/([\w.-]+)$/;

/** Where and what to POST for a task type's settings: by version, by "owner/name[:version]". */
export function replicateCreateRequest(req: Pick<SubmitRequest, 'input' | 'settings' | 'webhookUrl'>): { path: string; body: Record<string, unknown> } {
  const { settings } = req;
  const defaults = settings.input && typeof settings.input === 'object' ? (settings.input as Record<string, unknown>) : {};
  const body: Record<string, unknown> = { input: { ...defaults, ...req.input } };
  if (req.webhookUrl) {
    body.webhook = req.webhookUrl;
    body.webhook_events_filter = [...REPLICATE_WEBHOOK_EVENTS];
  }
  if (typeof settings.version === 'string' && settings.version) {
    return { path: '/v1/predictions', body: { version: settings.version, ...body } };
  }
  if (typeof settings.model === 'string' && settings.model) {
    const [ref = '', version] = settings.model.split(':');
    const m = MODEL_REF.exec(ref);
    if (!m) throw new ProviderError('replicate', 'permanent', `Replicate settings.model "${settings.model}" is not "owner/name" or "owner/name:version"`);
    if (version) return { path: '/v1/predictions', body: { version, ...body } };
    return { path: `/v1/models/${encodeURIComponent(m[1]!)}/${encodeURIComponent(m[2]!)}/predictions`, body };
  }
  throw new ProviderError('replicate', 'permanent', 'Replicate needs settings.version or settings.model ("owner/name") in the task type');
}

export function createReplicateProvider(config: ProviderEndpointConfig, deps: ProviderDeps = {}): Provider {
  const http = createHttpClient(
    identity,
    { baseUrl: config.baseUrl, timeoutMs: config.timeoutMs, headers: config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {} },
    deps.fetch,
  );
  const verifier = new StandardWebhookVerifier('replicate', { toleranceMs: config.webhookToleranceMs, now: deps.now });
  let fetchedSecret: Promise<string> | undefined;

  function requireKey(): void {
    if (!config.apiKey) throw new ProviderError('replicate', 'auth', 'Replicate API token is not set: set REPLICATE_API_TOKEN');
  }

  // The account's signing secret, asked of the API once when REPLICATE_WEBHOOK_SECRET is unset.
  function signingSecret(): Promise<string> {
    if (config.webhookSecret) return Promise.resolve(config.webhookSecret);
    if (!config.apiKey) {
      return Promise.reject(new WebhookVerificationError('replicate', 'no_secret', 'cannot verify Replicate webhooks: set REPLICATE_WEBHOOK_SECRET (or REPLICATE_API_TOKEN to fetch it)'));
    }
    fetchedSecret ??= http({ method: 'GET', path: '/v1/webhooks/default/secret' }).then(({ body }) => {
      const key = (body as { key?: unknown } | undefined)?.key;
      if (typeof key !== 'string' || !key.startsWith('whsec_')) throw new ProviderError('replicate', 'permanent', 'Replicate GET /v1/webhooks/default/secret: no whsec_ key in the response');
      return key;
    });
    fetchedSecret.catch(() => (fetchedSecret = undefined)); // a failed fetch is retried on the next webhook
    return fetchedSecret;
  }

  return {
    name: 'replicate',

    async submit(req) {
      requireKey();
      const { path, body } = replicateCreateRequest(req);
      const res = await http({ method: 'POST', path, body, signal: req.signal });
      return { externalId: parsePrediction(res.body, `POST ${path}`).id };
    },

    /**
     * Replicate lists the account's predictions, newest first: the job an unanswered submit made
     * is the one created since it began, for the same model (version) and the same input. The
     * list is read back to the submit's start (less a minute of clock skew); null only when it
     * was read that far without a match, else it throws (cannot tell).
     */
    async findJob(req) {
      requireKey();
      const { path: createPath, body } = replicateCreateRequest(req);
      const byModel = /^\/v1\/models\/([^/]+)\/([^/]+)\/predictions$/.exec(createPath);
      const model = byModel ? `${decodeURIComponent(byModel[1]!)}/${decodeURIComponent(byModel[2]!)}` : undefined;
      const wantInput = canonical(body.input);
      const oldest = req.since.getTime() - FIND_JOB_SKEW_MS;
      const base = config.baseUrl.replace(/\/+$/, '');
      let path = '/v1/predictions';
      for (let page = 0; page < FIND_JOB_MAX_PAGES; page++) {
        const res = await http({ method: 'GET', path, signal: req.signal });
        const list = predictionListSchema.safeParse(res.body);
        if (!list.success) throw new ProviderError('replicate', 'transient', 'Replicate GET /v1/predictions: unexpected response (no results)');
        for (const p of list.data.results) {
          const created = p.created_at ? Date.parse(p.created_at) : NaN;
          if (Number.isFinite(created) && created < oldest) return null; // read back past the submit: no such job
          const sameModel = typeof body.version === 'string' ? p.version === body.version : !!model && p.model === model;
          if (sameModel && canonical(p.input) === wantInput) return { externalId: p.id };
        }
        if (!list.data.next) return null;
        if (!list.data.next.startsWith(base)) throw new ProviderError('replicate', 'transient', `Replicate's next page (${list.data.next}) is not under ${base}`);
        path = list.data.next.slice(base.length);
      }
      throw new ProviderError('replicate', 'transient', `Replicate: no answer within ${FIND_JOB_MAX_PAGES} pages of predictions whether the submit made a job`);
    },

    async getStatus(externalId, signal) {
      requireKey();
      const path = `/v1/predictions/${encodeURIComponent(externalId)}`;
      const res = await http({ method: 'GET', path, signal });
      return mapReplicatePrediction(parsePrediction(res.body, `GET ${path}`));
    },

    async cancel(externalId, signal) {
      requireKey();
      // Cancelling a finished prediction answers 200 with it unchanged: nothing to handle.
      await http({ method: 'POST', path: `/v1/predictions/${encodeURIComponent(externalId)}/cancel`, signal });
    },

    async verifyWebhook(headers, rawBody) {
      const secret = await signingSecret();
      const { id } = verifier.verify(secret, headers, rawBody);
      let body: unknown;
      try {
        body = JSON.parse(rawBody.toString('utf8'));
      } catch {
        throw new WebhookVerificationError('replicate', 'malformed_body', 'Replicate webhook body is not JSON');
      }
      const parsed = replicatePredictionSchema.safeParse(body);
      if (!parsed.success) throw new WebhookVerificationError('replicate', 'malformed_body', 'Replicate webhook body is not a prediction');
      return { deliveryId: id, externalId: parsed.data.id, status: mapReplicatePrediction(parsed.data) };
    },
  };
}
