// Schemas of /v1/session (the task center's sign-in), used by the route and the OpenAPI document.
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

extendZodWithOpenApi(z);

export const signInBody = z
  .object({ apiKey: z.string().min(1).max(512).openapi({ description: 'A user or operator API key.' }) })
  .strict()
  .openapi('SignIn');

export const sessionSchema = z
  .object({
    tenantId: z.string(),
    role: z.enum(['user', 'operator']),
    expiresAt: z.iso.datetime({ offset: true }),
  })
  .openapi('Session');
