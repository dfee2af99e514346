// Request parsing: a zod schema applied to the body, params or query; a mismatch is a 400
// naming every failing field.
import type { z } from 'zod';
import { ValidationError } from './errors';

export function validate<S extends z.ZodType>(schema: S, value: unknown, prefix = ''): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw ValidationError.fromZod(parsed.error, prefix);
  return parsed.data;
}
