// The query parameters every paginated list shares (tasks, ledgers).
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

extendZodWithOpenApi(z);

/** `page`, from 1: bounded, so a huge skip is a 400, not a slow scan. */
export const pageParam = z.coerce
  .number()
  .int()
  .min(1)
  .max(1_000_000)
  .default(1)
  .openapi({ type: 'integer', minimum: 1, maximum: 1_000_000, description: 'From 1 (at most 1,000,000). Default 1.' });
