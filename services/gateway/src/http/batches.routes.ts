// /v1/batches: submit a batch of tasks of one type (held up front as one sum) and read it with
// its counts per status and its settlement. Transport only.
import { Router } from 'express';
import type { BatchService } from '../billing/batch-service';
import { presentBatch } from '../presenters/billing.presenter';
import { principalOf, tenantScope } from './auth';
import { batchIdParams, submitBatchBody } from './billing.schemas';
import { traceHeadersOf } from './tasks.routes';
import { validate } from './validate';

export function batchesRouter(batches: BatchService): Router {
  const r = Router();

  r.post('/', async (req, res) => {
    const body = validate(submitBatchBody, req.body);
    const { batch, created } = await batches.create(principalOf(res).tenantId, body, traceHeadersOf(req));
    if (!created) res.setHeader('Idempotent-Replayed', 'true');
    res
      .status(created ? 202 : 200)
      .location(`/v1/batches/${batch._id}`)
      .json({ batchId: batch._id, taskIds: batch.taskIds, price: batch.price });
  });

  r.get('/:id', async (req, res) => {
    const view = await batches.get(tenantScope(principalOf(res)), validate(batchIdParams, req.params).id);
    res.json(presentBatch(view));
  });

  return r;
}
