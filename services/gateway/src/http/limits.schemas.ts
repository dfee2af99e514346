// The zod schemas of the tenant limits API (an operator sets a tenant's overrides; a tenant
// reads its own limits): requests are validated with them and openapi.ts documents them.
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

extendZodWithOpenApi(z);

const rate = z.number().min(0).max(1_000_000);
const burst = z.number().int().min(1).max(10_000_000);
const maxWaiting = z.number().int().min(0).max(1_000_000_000);

export const tenantLimitsBody = z
  .object({
    submitsPerSecond: rate.nullable().optional().openapi({ description: 'Submissions per second, shared by every gateway replica; 0: no limit; null: back to the default.', example: 5 }),
    burst: burst.nullable().optional().openapi({ description: 'How many submissions may come at once; null: the default (the rate x TENANT_SUBMIT_BURST_SECONDS).', example: 10 }),
    maxWaiting: maxWaiting.nullable().optional().openapi({ description: 'Most unfinished tasks (pending, queued, delayed, running); 0: no limit; null: back to the default.', example: 100 }),
  })
  .strict()
  .openapi('TenantLimitsChange', { description: 'Fields left out stay as they are.' });
export type TenantLimitsBody = z.infer<typeof tenantLimitsBody>;

export const tenantLimitsSchema = z
  .object({
    tenantId: z.string(),
    submitsPerSecond: rate.openapi({ description: 'In effect: submissions per second (0: no limit). A batch of n items counts n; so does a manual retry.' }),
    burst: burst.openapi({ description: 'In effect: how many submissions may come at once.' }),
    maxWaiting: maxWaiting.openapi({ description: 'In effect: most unfinished tasks (0: no limit).' }),
    overrides: z
      .object({ submitsPerSecond: rate.optional(), burst: burst.optional(), maxWaiting: maxWaiting.optional() })
      .openapi({ description: "This tenant's own values; the others are the deployment's defaults." }),
  })
  .openapi('TenantLimits');
export type TenantLimitsJson = z.infer<typeof tenantLimitsSchema>;
