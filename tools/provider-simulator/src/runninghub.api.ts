// RunningHub's shapes: everything is POST with the key in the body, and every answer is HTTP
// 200 with {code, msg, data}; a wrong key is code 412 TOKEN_INVALID. TASK_END webhooks carry
// the outputs answer as a JSON string in eventData.
import { isRecord, json, type ProviderApi, type SimContext, type SimReply, type SimRequest } from './api';
import type { JobPhase, SimJob } from './jobs';

const ok = (data: unknown) => json(200, { code: 0, msg: 'success', data });
const err = (code: number, msg: string, data: unknown = null) => json(200, { code, msg, data });

const STATUS: Record<JobPhase['state'], string> = { queued: 'QUEUED', running: 'RUNNING', succeeded: 'SUCCESS', failed: 'FAILED', cancelled: 'CANCEL' };

function fileType(contentType: string): string {
  return contentType.split('/')[1]?.replace('quicktime', 'mov').replace('jpeg', 'jpg') ?? 'bin';
}

function outputsAnswer(job: SimJob, phase: JobPhase, ctx: SimContext): { code: number; msg: string; data: unknown } {
  switch (phase.state) {
    case 'queued':
      return { code: 813, msg: 'APIKEY_TASK_IS_QUEUED', data: null };
    case 'running':
      return { code: 804, msg: 'APIKEY_TASK_IS_RUNNING', data: null };
    case 'succeeded':
      return {
        code: 0,
        msg: 'success',
        data: ctx.fileUrls(job).map((fileUrl) => ({ fileUrl, fileType: fileType(job.contentType), taskCostTime: String(Math.round(job.durationMs / 1000)), nodeId: '9' })),
      };
    default:
      return {
        code: 805,
        msg: 'APIKEY_TASK_STATUS_ERROR',
        data: {
          failedReason: phase.state === 'cancelled'
            ? { exception_type: 'Cancelled', exception_message: 'task cancelled by user', node_name: '' }
            : { exception_type: 'RuntimeError', exception_message: 'Simulated failure', node_name: 'KSampler', node_id: '3', traceback: '' },
        },
      };
  }
}

function taskOf(req: SimRequest, ctx: SimContext): SimJob | SimReply {
  const body = isRecord(req.body) ? req.body : {};
  const id = typeof body.taskId === 'string' || typeof body.taskId === 'number' ? String(body.taskId) : '';
  const job = id ? ctx.job(id) : undefined;
  return job ?? err(807, 'APIKEY_TASK_NOT_FOUND');
}

function create(req: SimRequest, ctx: SimContext): SimReply {
  const body = isRecord(req.body) ? req.body : {};
  if ((typeof body.workflowId !== 'string' || !body.workflowId) && typeof body.workflowId !== 'number') return err(380, 'WORKFLOW_NOT_EXISTS');
  const list = body.nodeInfoList ?? [];
  const valid =
    Array.isArray(list) &&
    list.every((n) => isRecord(n) && (typeof n.nodeId === 'string' || typeof n.nodeId === 'number') && typeof n.fieldName === 'string' && n.fieldValue !== undefined);
  if (!valid) return err(803, 'APIKEY_INVALID_NODE_INFO');
  const webhookUrl = typeof body.webhookUrl === 'string' && body.webhookUrl ? body.webhookUrl : undefined;
  const job = ctx.createJob({ webhookUrl, meta: { workflowId: String(body.workflowId), nodeInfoList: list }, requestText: JSON.stringify(list) });
  if (!job) return runningHubApi.busy(ctx.options.retryAfterSeconds);
  return ok({ netWssUrl: null, taskId: job.id, clientId: 'sim-client', taskStatus: 'QUEUED', promptTips: '{"result": true, "error": null, "outputs_to_execute": ["9"], "node_errors": {}}' });
}

export const runningHubApi: ProviderApi = {
  provider: 'runninghub',

  route(method, path) {
    if (method !== 'POST') return undefined;
    switch (path) {
      case '/task/openapi/create':
        return { endpoint: 'runninghub.create', handle: create };
      case '/task/openapi/status':
        return {
          endpoint: 'runninghub.status',
          handle: (req, ctx) => {
            const job = taskOf(req, ctx);
            return 'status' in job ? job : ok(STATUS[ctx.phase(job).state]);
          },
        };
      case '/task/openapi/outputs':
        return {
          endpoint: 'runninghub.outputs',
          handle: (req, ctx) => {
            const job = taskOf(req, ctx);
            if ('status' in job) return job;
            const a = outputsAnswer(job, ctx.phase(job), ctx);
            return json(200, a);
          },
        };
      case '/task/openapi/cancel':
        return {
          endpoint: 'runninghub.cancel',
          handle: (req, ctx) => {
            const job = taskOf(req, ctx);
            if ('status' in job) return job;
            ctx.cancel(job);
            return ok(null);
          },
        };
      default:
        return undefined;
    }
  },

  authorized: (req, apiKey) => isRecord(req.body) && req.body.apiKey === apiKey,
  unauthorized: () => err(412, 'TOKEN_INVALID'),
  rateLimited: (s) => json(429, { code: 429, msg: 'Too Many Requests', data: null }, { 'retry-after': String(s) }),
  unavailable: () => json(503, { code: 503, msg: 'Service Unavailable', data: null }),
  busy: () => err(421, 'TASK_QUEUE_MAXED'),

  webhookBodies(job, phase, moment, ctx) {
    if (moment !== 'end') return [];
    return [{ taskId: job.id, event: 'TASK_END', eventData: JSON.stringify(outputsAnswer(job, phase, ctx)) }];
  },
};
