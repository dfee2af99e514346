// RunningHub (www.runninghub.cn) ComfyUI workflows: create with a node list, poll status, read
// outputs on success, cancel. Errors come as HTTP 200 with a non-zero `code`, classified below.
// Its real webhooks (TASK_END) are unsigned: see webhook-auth.ts for how Loom authenticates them.
import { z } from 'zod';
import { classifyFailureMessage } from './failure-class';
import { createHttpClient, type ProviderIdentity } from './http-client';
import { contentTypeFor, contentTypeFromUrl, isHttpUrl } from './outputs';
import type { Provider, ProviderErrorClass, ProviderOutput, ProviderState, ProviderStatus, SubmitRequest } from './provider';
import type { ProviderEndpointConfig } from './provider-config';
import { stderrLogger, type ProviderDeps } from './provider-deps';
import { ProviderError } from './provider-error';
import { StandardWebhookVerifier } from './standard-webhooks';
import { addWebhookToken, authenticateSharedSecretWebhook, DEFAULT_CALLBACK_TTL_MS, derivedDeliveryId } from './webhook-auth';
import { WebhookVerificationError } from './webhook-verification-error';

const identity: ProviderIdentity = { name: 'runninghub', label: 'RunningHub', apiKeyEnv: 'RUNNINGHUB_API_KEY', credentialNoun: 'key' };

export const RUNNINGHUB_STATES: Readonly<Record<string, ProviderState>> = {
  QUEUED: 'queued',
  RUNNING: 'running',
  SUCCESS: 'succeeded',
  FAILED: 'failed',
  // Not in RunningHub's documentation; accepted in case a cancelled task reports so.
  CANCEL: 'cancelled',
  CANCELED: 'cancelled',
  CANCELLED: 'cancelled',
};

/** Business codes of the outputs endpoint that mean "not finished yet" rather than an error. */
const OUTPUTS_NOT_READY = new Set([804 /* APIKEY_TASK_IS_RUNNING */, 813 /* APIKEY_TASK_IS_QUEUED */]);
const OUTPUTS_TASK_FAILED = 805; // APIKEY_TASK_STATUS_ERROR, with data.failedReason

/**
 * A non-zero `code` -> class. Known codes: 412 TOKEN_INVALID (auth); 415 TASK_INSTANCE_MAXED,
 * 421 TASK_QUEUE_MAXED, 1003 rate limit, 1011 model busy, 1520 concurrency limit (rate_limited:
 * wait and retry); 416 wallet/balance (permanent: someone must pay); 301 PARAMS_INVALID,
 * 380 WORKFLOW_NOT_EXISTS, 433 workflow validation, 803 APIKEY_INVALID_NODE_INFO (bad_input).
 * Unknown codes are permanent unless the message says otherwise: a retry would repeat them.
 */
export function classifyRunningHubCode(code: number, msg = ''): ProviderErrorClass {
  // Known codes first, then the message (RunningHub's codes vary between API generations).
  if ([401, 403, 412].includes(code)) return 'auth';
  if ([415, 421, 429, 1003, 1011, 1520].includes(code)) return 'rate_limited';
  if (code === 416) return 'permanent';
  if ([301, 380, 433, 803].includes(code)) return 'bad_input';
  if (/TOKEN_INVALID|\bAPIKEY_INVALID\b|APIKEY_USER_NOT_FOUND|UNAUTHORI[SZ]ED/i.test(msg)) return 'auth';
  if (/QUEUE_MAXED|INSTANCE_MAXED|queue (is )?full|rate limit|too many|frequen|concurren|busy|繁忙|限流|上限/i.test(msg)) return 'rate_limited';
  if (/WALLET|balance|insufficient|余额/i.test(msg)) return 'permanent';
  if (/PARAMS?_INVALID|NOT_EXIST|INVALID_NODE_INFO|VALIDAT|invalid|参数/i.test(msg)) return 'bad_input';
  if ((code >= 500 && code < 600) || /SYSTEM_ERROR|SERVER_ERROR|INTERNAL|TIMEOUT|超时/i.test(msg)) return 'transient';
  return 'permanent';
}

export interface NodeInfo {
  nodeId: string;
  fieldName: string;
  fieldValue: string | number | boolean;
}

const fieldValue = z.union([z.string(), z.number(), z.boolean()]);
const nodeInfoSchema = z.object({ nodeId: z.union([z.string().min(1), z.number()]).transform(String), fieldName: z.string().min(1), fieldValue });
const nodeMapSchema = z.record(z.string(), z.object({ nodeId: z.union([z.string().min(1), z.number()]).transform(String), fieldName: z.string().min(1) }));

/**
 * The workflow's node list: fields named in settings.nodeMap ({inputField: {nodeId, fieldName}})
 * taken from the input, then input.nodeInfoList as given (it wins for the same node and field).
 * Input fields the map does not name are not sent; mapped fields absent from the input keep the
 * workflow's own value.
 */
export function buildNodeInfoList(input: Record<string, unknown>, settings: Record<string, unknown>): NodeInfo[] {
  const list: NodeInfo[] = [];
  const put = (info: NodeInfo) => {
    const i = list.findIndex((n) => n.nodeId === info.nodeId && n.fieldName === info.fieldName);
    if (i >= 0) list[i] = info;
    else list.push(info);
  };
  if (settings.nodeMap !== undefined) {
    const map = nodeMapSchema.safeParse(settings.nodeMap);
    if (!map.success) throw new ProviderError('runninghub', 'permanent', 'RunningHub settings.nodeMap must map input fields to {nodeId, fieldName}');
    for (const [field, target] of Object.entries(map.data)) {
      const value = input[field];
      if (value === undefined || value === null) continue;
      const v = fieldValue.safeParse(value);
      if (!v.success) throw new ProviderError('runninghub', 'bad_input', `RunningHub input.${field} must be a string, number or boolean`);
      put({ nodeId: target.nodeId, fieldName: target.fieldName, fieldValue: v.data });
    }
  }
  if (input.nodeInfoList !== undefined) {
    const given = z.array(nodeInfoSchema).safeParse(input.nodeInfoList);
    if (!given.success) throw new ProviderError('runninghub', 'bad_input', 'RunningHub input.nodeInfoList must be [{nodeId, fieldName, fieldValue}]');
    for (const info of given.data) put(info);
  }
  return list;
}

export function mapRunningHubState(raw: unknown): ProviderState | undefined {
  return typeof raw === 'string' ? RUNNINGHUB_STATES[raw.trim().toUpperCase()] : undefined;
}

/** [{fileUrl, fileType}] -> outputs (http(s) URLs only). */
export function runningHubOutputs(data: unknown): ProviderOutput[] {
  if (!Array.isArray(data)) return [];
  const out: ProviderOutput[] = [];
  for (const item of data) {
    const url = (item as { fileUrl?: unknown } | null)?.fileUrl;
    if (!isHttpUrl(url)) continue;
    const contentType = contentTypeFor((item as { fileType?: unknown }).fileType as string | undefined) ?? contentTypeFromUrl(url);
    out.push(contentType ? { url, contentType } : { url });
  }
  return out;
}

/** A failed task's reason, from data.failedReason ({exception_type, exception_message, node_name}) or the message. */
export function runningHubFailureReason(data: unknown, msg?: string): string {
  const r = (data as { failedReason?: Record<string, unknown> } | null | undefined)?.failedReason;
  if (r && typeof r === 'object') {
    const text = [r.exception_type, r.exception_message].filter((x) => typeof x === 'string' && x).join(': ');
    const node = typeof r.node_name === 'string' && r.node_name ? ` [node ${r.node_name}]` : '';
    if (text) return `${text}${node}`.slice(0, 1000);
  }
  return msg && msg !== 'success' ? msg : 'RunningHub reported the task failed';
}

const webhookSchema = z.looseObject({
  taskId: z.union([z.string().min(1), z.number()]).transform(String),
  event: z.string().optional(),
  eventData: z.unknown().optional(),
});

/**
 * A TASK_END delivery: eventData is a JSON string shaped like the outputs response. code 0 with a
 * file list is success; 805 is failure; anything else leaves the status to getStatus.
 */
export function parseRunningHubWebhook(body: unknown): { externalId: string; status?: ProviderStatus } | undefined {
  const parsed = webhookSchema.safeParse(body);
  if (!parsed.success) return undefined;
  const externalId = parsed.data.taskId;
  if (parsed.data.event !== 'TASK_END') return { externalId };
  let data: unknown = parsed.data.eventData;
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data);
    } catch {
      return { externalId };
    }
  }
  const ev = data as { code?: unknown; msg?: string; data?: unknown } | null;
  if (!ev || typeof ev !== 'object' || typeof ev.code !== 'number') return { externalId };
  if (ev.code === 0 && Array.isArray(ev.data)) {
    return { externalId, status: { externalId, state: 'succeeded', progress: 100, outputs: runningHubOutputs(ev.data) } };
  }
  if (ev.code === OUTPUTS_TASK_FAILED) {
    const message = runningHubFailureReason(ev.data, ev.msg);
    return { externalId, status: { externalId, state: 'failed', message, error: { class: classifyFailureMessage(message, 'permanent'), message } } };
  }
  return { externalId };
}

const envelopeSchema = z.looseObject({
  code: z.union([z.number(), z.string().regex(/^-?\d+$/).transform(Number)]),
  msg: z.string().nullish(),
  data: z.unknown().optional(),
});
type Envelope = z.infer<typeof envelopeSchema>;

export function createRunningHubProvider(config: ProviderEndpointConfig, deps: ProviderDeps = {}): Provider {
  const http = createHttpClient(identity, { baseUrl: config.baseUrl, timeoutMs: config.timeoutMs }, deps.fetch);
  const verifier = new StandardWebhookVerifier('runninghub', { toleranceMs: config.webhookToleranceMs, now: deps.now });
  const logger = deps.logger ?? stderrLogger;
  let warnedNoSecret = false;

  function codeError(path: string, env: Envelope): ProviderError {
    const msg = env.msg ?? '';
    const cls = classifyRunningHubCode(env.code, msg);
    const text =
      cls === 'auth'
        ? `RunningHub rejected the API key (code ${env.code} ${msg}): check RUNNINGHUB_API_KEY`
        : `RunningHub ${path} failed (code ${env.code}${msg ? ` ${msg}` : ''})`;
    return new ProviderError('runninghub', cls, text);
  }

  async function call(path: string, body: Record<string, unknown>, signal?: AbortSignal): Promise<Envelope> {
    if (!config.apiKey) throw new ProviderError('runninghub', 'auth', 'RunningHub API key is not set: set RUNNINGHUB_API_KEY');
    const res = await http({ method: 'POST', path, body: { apiKey: config.apiKey, ...body }, signal });
    const env = envelopeSchema.safeParse(res.body);
    if (!env.success) throw new ProviderError('runninghub', 'permanent', `RunningHub ${path}: unexpected response (no code)`);
    return env.data;
  }

  function callbackUrl(req: SubmitRequest): string | undefined {
    const { webhookUrl } = req;
    if (!webhookUrl) return undefined;
    if (!config.webhookSecret) {
      if (!warnedNoSecret) logger.warn({ provider: 'runninghub' }, 'RUNNINGHUB_WEBHOOK_SECRET is not set: RunningHub tasks are followed by polling only');
      warnedNoSecret = true;
      return undefined;
    }
    return addWebhookToken(webhookUrl, config.webhookSecret, 'runninghub', req.taskId, req.callbackExpiresAt ?? new Date((deps.now ?? Date.now)() + DEFAULT_CALLBACK_TTL_MS));
  }

  return {
    name: 'runninghub',

    async submit(req: SubmitRequest) {
      const { settings } = req;
      if ((typeof settings.workflowId !== 'string' || !settings.workflowId) && typeof settings.workflowId !== 'number') {
        throw new ProviderError('runninghub', 'permanent', 'RunningHub needs settings.workflowId in the task type');
      }
      const body: Record<string, unknown> = { workflowId: String(settings.workflowId), nodeInfoList: buildNodeInfoList(req.input, settings) };
      const webhookUrl = callbackUrl(req);
      if (webhookUrl) body.webhookUrl = webhookUrl;
      if (typeof settings.instanceType === 'string' && settings.instanceType) body.instanceType = settings.instanceType.toLowerCase();
      const path = '/task/openapi/create';
      const env = await call(path, body, req.signal);
      if (env.code !== 0) throw codeError(path, env);
      const taskId = (env.data as { taskId?: unknown } | null | undefined)?.taskId;
      if ((typeof taskId !== 'string' || !taskId) && typeof taskId !== 'number') {
        throw new ProviderError('runninghub', 'permanent', `RunningHub ${path}: no taskId in the response`);
      }
      return { externalId: String(taskId) };
    },

    async getStatus(externalId, signal) {
      const path = '/task/openapi/status';
      const env = await call(path, { taskId: externalId }, signal);
      if (env.code !== 0) throw codeError(path, env);
      const state = mapRunningHubState(env.data);
      if (!state) return { externalId, state: 'running', message: `RunningHub status "${String(env.data)}"` };
      if (state === 'succeeded') {
        const outPath = '/task/openapi/outputs';
        const out = await call(outPath, { taskId: externalId }, signal);
        // Status and outputs are read one after the other: a not-ready answer is a race, not an error.
        if (OUTPUTS_NOT_READY.has(out.code)) return { externalId, state: 'running' };
        if (out.code !== 0) throw codeError(outPath, out);
        return { externalId, state, progress: 100, outputs: runningHubOutputs(out.data) };
      }
      if (state === 'failed') {
        // The reason is only on the outputs endpoint; without it the task still fails.
        let message = 'RunningHub reported the task failed';
        try {
          const out = await call('/task/openapi/outputs', { taskId: externalId }, signal);
          message = runningHubFailureReason(out.data, out.msg ?? undefined);
        } catch (err) {
          logger.debug({ provider: 'runninghub', externalId, err: String(err) }, 'RunningHub failure reason unavailable');
        }
        return { externalId, state, message, error: { class: classifyFailureMessage(message, 'permanent'), message } };
      }
      return { externalId, state };
    },

    async cancel(externalId, signal) {
      const path = '/task/openapi/cancel';
      const env = await call(path, { taskId: externalId }, signal);
      if (env.code !== 0) throw codeError(path, env);
    },

    async verifyWebhook(headers, rawBody, context) {
      const { deliveryId, taskId } = authenticateSharedSecretWebhook({
        provider: 'runninghub',
        label: 'RunningHub',
        secretEnv: 'RUNNINGHUB_WEBHOOK_SECRET',
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
        throw new WebhookVerificationError('runninghub', 'malformed_body', 'RunningHub webhook body is not JSON');
      }
      const parsed = parseRunningHubWebhook(body);
      if (!parsed) throw new WebhookVerificationError('runninghub', 'malformed_body', 'RunningHub webhook body has no taskId');
      // Unsigned by RunningHub: a hint naming the job, never its outcome (status-sync asks the API).
      const { externalId } = parsed;
      return { deliveryId: deliveryId ?? derivedDeliveryId('runninghub', externalId, rawBody), externalId, ...(taskId ? { taskId } : {}) };
    },
  };
}
