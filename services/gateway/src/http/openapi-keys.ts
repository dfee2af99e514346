// The OpenAPI paths of the operators' API key routes (keys.routes.ts), registered by openapi.ts
// next to the others, from the same zod schemas.
import type { ResponseConfig, RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { tenantIdParams } from './billing.schemas';
import { apiKeySchema, issueKeyBody, issuedKeySchema, keyIdParams, revokedKeySchema, revokedTenantKeysSchema } from './keys.schemas';
import { errorSchema } from './schemas';

const json = (schema: z.ZodType, description: string): ResponseConfig => ({ description, content: { 'application/json': { schema } } });
const error = (description: string): ResponseConfig => json(errorSchema, description);
const operatorOnly = { 401: error('Missing or unknown API key (UNAUTHENTICATED).'), 403: error('Not an operator key (FORBIDDEN).') };
const badTenantId = error('A malformed tenant id (VALIDATION_FAILED).');
const ends =
  'Its task center sessions end at once on every gateway replica; the key itself stops working at once on the replica that revoked it and within 5 s on the others (their key cache).';

export function registerApiKeyPaths(path: (route: RouteConfig) => void): void {
  path({
    method: 'get',
    path: '/v1/admin/tenants/{tenantId}/keys',
    summary: "A tenant's API keys, revoked ones included (operators)",
    request: { params: tenantIdParams },
    responses: { 200: json(z.array(apiKeySchema), 'The keys, oldest first (never the keys themselves).'), 400: badTenantId, ...operatorOnly },
  });
  path({
    method: 'post',
    path: '/v1/admin/tenants/{tenantId}/keys',
    summary: 'Issue an API key for a tenant (operators)',
    description: 'The key is in the answer this once; only its hash is stored. Also how a tenant whose keys were all revoked is let in again.',
    request: { params: tenantIdParams, body: { required: true, content: { 'application/json': { schema: issueKeyBody } } } },
    responses: { 201: json(issuedKeySchema, 'The new key.'), 400: error('A malformed tenant id or a bad body (VALIDATION_FAILED).'), ...operatorOnly },
  });
  path({
    method: 'delete',
    path: '/v1/admin/tenants/{tenantId}/keys',
    summary: "Revoke every API key of a tenant, shutting it out (operators)",
    description: `${ends} Its tasks keep running; nothing authenticates as the tenant until a new key is issued.`,
    request: { params: tenantIdParams },
    responses: { 200: json(revokedTenantKeysSchema, 'How many keys and sessions were ended.'), 400: badTenantId, ...operatorOnly },
  });
  path({
    method: 'delete',
    path: '/v1/admin/keys/{keyId}',
    summary: 'Revoke an API key (operators)',
    description: `${ends} Revoking a revoked key again answers the same.`,
    request: { params: keyIdParams },
    responses: {
      200: json(revokedKeySchema, 'The key, revoked.'),
      400: error('A malformed key id (VALIDATION_FAILED).'),
      ...operatorOnly,
      404: error('No key with this id (API_KEY_NOT_FOUND).'),
    },
  });
}
