// The zod schemas of the credits API (account, ledger, operators' tenant and credit endpoints)
// and of batches: requests are validated with them, responses typed by them, and openapi.ts
// documents both from the same objects. Kept beside schemas.ts, which holds the tasks API's.
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { TASK_STATUSES } from '@loom/contracts';
import { LEDGER_KINDS } from '@loom/billing';
import { pageParam } from './pagination.schemas';

extendZodWithOpenApi(z);

const dateTime = z.iso.datetime({ offset: true });
const idString = z.string().min(1).max(200);

/** Most items one batch may have: its hold, documents and settlement stay one bounded write each. */
export const MAX_BATCH_ITEMS = 500;

export const priceInfoSchema = z
  .object({
    credits: z.number().int().openapi({ description: 'Credits per task (and the price of an input value not listed below).' }),
    perInputField: z
      .object({ field: z.string().openapi({ example: 'model' }), values: z.record(z.string(), z.number().int()).openapi({ example: { 'veo3.1-pro': 60 } }) })
      .optional()
      .openapi({ description: 'The price per value of one input field.' }),
  })
  .openapi('Price', { description: "A type's price; null = free." });

// ---- requests ----------------------------------------------------------------------------

export const batchIdParams = z.object({ id: idString.openapi({ param: { description: 'Batch id' } }) });
export const tenantIdParams = z.object({ tenantId: idString.openapi({ param: { description: 'Tenant id' } }) });

export const submitBatchBody = z
  .object({
    type: z.string().min(1).max(64).openapi({ description: 'A configured task type; every item is a task of it.', example: 'demo.image' }),
    items: z
      .array(z.unknown())
      .min(1)
      .max(MAX_BATCH_ITEMS)
      .openapi({ description: `The input of each item (1 to ${MAX_BATCH_ITEMS}), each checked like a task's input.`, example: [{ ms: 1000 }, { ms: 2000 }] }),
    idempotencyKey: z.string().min(1).max(200).optional().openapi({ description: 'Per tenant. A repeated key returns the batch it created first (200).' }),
    timeoutMs: z.number().int().positive().optional(),
    priority: z.number().int().min(-100).max(100).default(0),
  })
  .strict()
  .openapi('SubmitBatch');
export type SubmitBatchBody = z.infer<typeof submitBatchBody>;

export const createTenantBody = z.object({ name: z.string().min(1).max(200) }).strict().openapi('CreateTenant');
export type CreateTenantBody = z.infer<typeof createTenantBody>;

export const creditsBody = z
  .object({
    amount: z
      .number()
      .int()
      .refine((n) => n !== 0, 'must not be 0')
      .openapi({ description: 'Credits to grant (> 0) or deduct (< 0, never below a balance of 0); not 0.', example: 1000, not: { const: 0 } }),
    reason: z.string().min(1).max(500).openapi({ example: 'monthly plan' }),
    idempotencyKey: z.string().min(1).max(200).optional().openapi({ description: 'A repeated key changes nothing (200 with the balance).' }),
  })
  .strict()
  .openapi('CreditsChange');
export type CreditsBody = z.infer<typeof creditsBody>;

export const ledgerQuery = z.object({
  page: pageParam,
  pageSize: z.coerce.number().int().min(1).max(200).default(50).openapi({ type: 'integer', minimum: 1, maximum: 200, description: 'Default 50, at most 200.' }),
});
export type LedgerQuery = z.infer<typeof ledgerQuery>;

// ---- responses ---------------------------------------------------------------------------

export const accountSchema = z
  .object({
    tenantId: z.string(),
    name: z.string().nullable(),
    balance: z.number().int().openapi({ description: 'Credits that may be spent.' }),
    held: z.number().int().openapi({ description: 'Credits set aside for tasks and batches still running.' }),
  })
  .openapi('Account');
export type AccountJson = z.infer<typeof accountSchema>;

export const ledgerEntrySchema = z
  .object({
    id: z.string().openapi({ description: 'The unique key of the movement, e.g. task:<id>:hold:1, task:<id>:hold:1:settle.' }),
    seq: z.number().int().openapi({ description: "Position in the tenant's ledger, from 1, without gaps." }),
    kind: z.enum(LEDGER_KINDS),
    amount: z.number().int(),
    balanceDelta: z.number().int(),
    heldDelta: z.number().int(),
    balanceAfter: z.number().int(),
    heldAfter: z.number().int(),
    taskId: z.string().nullable(),
    batchId: z.string().nullable(),
    fromAttempt: z.number().int().nullable(),
    captured: z.number().int().nullable().openapi({ description: 'batch_settle: credits captured for the successes.' }),
    released: z.number().int().nullable().openapi({ description: 'batch_settle: credits released for the rest.' }),
    reason: z.string().nullable(),
    createdAt: dateTime,
  })
  .openapi('LedgerEntry');
export type LedgerEntryJson = z.infer<typeof ledgerEntrySchema>;

export const ledgerPageSchema = z
  .object({ items: z.array(ledgerEntrySchema), page: z.number().int(), pageSize: z.number().int(), total: z.number().int() })
  .openapi('LedgerPage');

export const createdTenantSchema = z
  .object({ tenantId: z.string(), name: z.string(), apiKey: z.string().openapi({ description: "The tenant's first user key, shown this once." }) })
  .openapi('CreatedTenant');

export const batchCreatedSchema = z
  .object({ batchId: z.string(), taskIds: z.array(z.string()), price: z.number().int().openapi({ description: 'Credits held for the whole batch.' }) })
  .openapi('BatchCreated');

const countsShape = Object.fromEntries(TASK_STATUSES.map((s) => [s, z.number().int()])) as Record<(typeof TASK_STATUSES)[number], z.ZodNumber>;

export const batchSchema = z
  .object({
    batchId: z.string(),
    tenantId: z.string(),
    type: z.string(),
    size: z.number().int(),
    price: z.number().int().openapi({ description: 'Sum of the items’ prices, held up front.' }),
    taskIds: z.array(z.string()),
    counts: z.object(countsShape).openapi({ description: 'Items per status.' }),
    settlement: z.object({
      state: z.enum(['free', 'held', 'settled', 'none']).openapi({ description: 'free: nothing to pay; held: items still running; settled: every item terminal, settled once.' }),
      held: z.number().int(),
      captured: z.number().int(),
      released: z.number().int(),
      settledAt: dateTime.nullable(),
    }),
    createdAt: dateTime,
  })
  .openapi('Batch');
export type BatchJson = z.infer<typeof batchSchema>;
