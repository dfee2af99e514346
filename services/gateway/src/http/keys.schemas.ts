// Request and answer shapes of the operators' API key routes (keys.routes.ts), shared with the OpenAPI document.
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

extendZodWithOpenApi(z);

export const keyIdParams = z.object({ keyId: z.string().min(1).max(200).openapi({ param: { description: 'API key id (keyId of the key list)' } }) });

export const issueKeyBody = z
  .object({
    name: z.string().min(1).max(200).openapi({ description: 'What the key is for, shown in the key list.' }),
    role: z.enum(['user', 'operator']).default('user').openapi({ description: 'Default user.' }),
  })
  .strict()
  .openapi('IssueApiKey');

export const apiKeySchema = z
  .object({
    keyId: z.string(),
    tenantId: z.string(),
    role: z.enum(['user', 'operator']),
    name: z.string(),
    createdAt: z.iso.datetime(),
    revokedAt: z.iso.datetime().nullable().openapi({ description: 'When it was revoked; null while it works.' }),
  })
  .openapi('ApiKey');

export const issuedKeySchema = apiKeySchema.extend({ apiKey: z.string().openapi({ description: 'The key, shown this once.' }) }).openapi('IssuedApiKey');

export const revokedKeySchema = apiKeySchema
  .extend({ sessionsEnded: z.number().int().min(0).openapi({ description: 'Task center sessions the key had opened, ended now.' }) })
  .openapi('RevokedApiKey');

export const revokedTenantKeysSchema = z
  .object({
    tenantId: z.string(),
    revoked: z.number().int().min(0).openapi({ description: 'Keys that worked until now.' }),
    sessionsEnded: z.number().int().min(0),
  })
  .openapi('RevokedTenantKeys');
