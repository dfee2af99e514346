// /v1/tasks: transport only. Parse the request with its schema, call the task service with the
// caller's scope, present the result. Status codes are decided here and nowhere else.
import { annotateActiveSpan, inSubmitManySpan, inSubmitSpan, LOOM, recordTaskSubmitted, traceHeadersFor } from '@loom/telemetry';
import { Router, type Request, type Response } from 'express';
import { presentLogLine, presentTask } from '../presenters/task.presenter';
import type { TaskService } from '../tasks/task-service';
import { principalOf, tenantScope } from './auth';
import { toErrorResponse } from './errors';
import { bulkCancelBody, bulkRetryBody, cleanupBody, listTasksQuery, submitManyBody, submitTaskBody, taskIdParams } from './schemas';
import { validate } from './validate';

export function tasksRouter(tasks: TaskService): Router {
  const r = Router();
  const scopeOf = (res: Response) => tenantScope(principalOf(res));
  const idOf = (req: Request) => validate(taskIdParams, req.params).id;

  r.post('/', async (req, res) => {
    const body = validate(submitTaskBody, req.body);
    const { task, created } = await inSubmitSpan(body.type, async (span) => {
      const r = await tasks.submit(principalOf(res).tenantId, body, traceHeadersOf(req));
      span.setAttributes({ [LOOM.TASK_ID]: r.task._id, 'loom.task.created': r.created });
      return r;
    });
    annotateActiveSpan({ [LOOM.TASK_ID]: task._id, [LOOM.TASK_TYPE]: task.type });
    if (created) recordTaskSubmitted(task.type);
    // 202 for a new task; 200 when an idempotency key was seen before: nothing new was accepted.
    if (!created) res.setHeader('Idempotent-Replayed', 'true');
    res.status(created ? 202 : 200).location(`/v1/tasks/${task._id}`).json(presentTask(task));
  });

  // Many tasks in one request: all refused or all accepted up front (see TaskService.submitMany),
  // then an outcome each. 202 when every item has its task; 207 when some item's write failed.
  r.post('/bulk', async (req, res) => {
    const { tasks: bodies } = validate(submitManyBody, req.body);
    const outcomes = await inSubmitManySpan(bodies.length, async (span) => {
      const out = await tasks.submitMany(principalOf(res).tenantId, bodies, traceHeadersOf(req));
      span.setAttribute('loom.tasks.created', out.filter((o) => 'task' in o && o.created).length);
      return out;
    });
    let failed = 0;
    const items = outcomes.map((o) => {
      if ('error' in o) {
        failed++;
        return toErrorResponse(o.error).body;
      }
      if (o.created) recordTaskSubmitted(o.task.type);
      return { created: o.created, task: presentTask(o.task) };
    });
    res.status(failed ? 207 : 202).json({ items });
  });

  r.get('/', async (req, res) => {
    const q = validate(listTasksQuery, req.query);
    const { items, total } = await tasks.list(scopeOf(res), q);
    res.json({ items: items.map((t) => presentTask(t)), page: q.page, pageSize: q.pageSize, total });
  });

  // Before /:id so that "cancel", "retry" and "cleanup" are never read as task ids.
  r.post('/cancel', async (req, res) => {
    res.json(await tasks.bulkCancel(scopeOf(res), validate(bulkCancelBody, req.body)));
  });

  r.post('/retry', async (req, res) => {
    res.json(await tasks.bulkRetry(scopeOf(res), validate(bulkRetryBody, req.body)));
  });

  r.post('/cleanup', async (req, res) => {
    res.json({ deleted: await tasks.cleanup(scopeOf(res), validate(cleanupBody, req.body)) });
  });

  r.get('/:id', async (req, res) => {
    const { task, queue } = await tasks.get(scopeOf(res), idOf(req));
    res.json(presentTask(task, queue));
  });

  r.get('/:id/logs', async (req, res) => {
    const lines = await tasks.logs(scopeOf(res), idOf(req));
    res.json(lines.map(presentLogLine));
  });

  r.post('/:id/cancel', async (req, res) => {
    const id = idOf(req);
    const status = await tasks.cancel(scopeOf(res), id);
    res.status(status === 'cancelled' ? 200 : 202).json({ id, status });
  });

  r.post('/:id/retry', async (req, res) => {
    res.status(202).json(presentTask(await tasks.retry(scopeOf(res), idOf(req))));
  });

  r.delete('/:id', async (req, res) => {
    await tasks.remove(scopeOf(res), idOf(req));
    res.status(204).end();
  });

  return r;
}

/**
 * The trace context the task carries into every event: the active span of this request (a
 * child of the HTTP server span, so the submit request is the root of the task's trace). With
 * telemetry off there is no active span: the caller's own W3C headers are passed on instead.
 */
export function traceHeadersOf(req: Request): Record<string, string> | undefined {
  const active = traceHeadersFor();
  if (active.traceparent) return active;
  const traceparent = req.get('traceparent');
  if (!traceparent || !/^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/.test(traceparent)) return undefined;
  const tracestate = req.get('tracestate');
  return tracestate ? { traceparent, tracestate } : { traceparent };
}
