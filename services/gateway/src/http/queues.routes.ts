// GET /v1/queues: per task type what runs now, how many wait, and the last hour (the task
// center's queues view). A type's line is platform-wide (serial per type across tenants), so
// the counts are too; the id of a running task is shown only to its own tenant and operators.
import { Router } from 'express';
import type { QueueStats, QueueStatsQueries } from '@loom/store';
import { principalOf, tenantScope } from './auth';
import type { QueueStatsJson } from './queues.schemas';

export function presentQueueStats(s: QueueStats, viewerTenantId: string | undefined): QueueStatsJson {
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return {
    generatedAt: s.generatedAt.toISOString(),
    windowMs: s.windowMs,
    sampled: s.sampled,
    types: s.types.map((t) => ({
      ...t,
      running: t.running.map((r) => ({
        taskId: viewerTenantId === undefined || r.tenantId === viewerTenantId ? r.taskId : null,
        startedAt: iso(r.startedAt),
        progress: r.progress,
      })),
      perMinute: t.perMinute.map((m) => ({ ...m, minute: m.minute.toISOString() })),
    })),
  };
}

export function queuesRouter(deps: { stats: QueueStatsQueries; types: () => string[] }): Router {
  const r = Router();
  r.get('/', async (_req, res) => {
    const stats = await deps.stats.forTypes(deps.types());
    res.json(presentQueueStats(stats, tenantScope(principalOf(res))));
  });
  return r;
}
