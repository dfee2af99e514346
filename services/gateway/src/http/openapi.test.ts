import { buildOpenApiDocument } from './openapi';

describe('OpenAPI document', () => {
  const doc = buildOpenApiDocument();

  it('describes every endpoint with bearer security', () => {
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths!).sort()).toEqual(
      [
        '/healthz',
        '/readyz',
        '/v1/events',
        '/v1/openapi.json',
        '/v1/task-types',
        '/v1/tasks',
        '/v1/tasks/bulk',
        '/v1/tasks/cancel',
        '/v1/tasks/cleanup',
        '/v1/tasks/{id}',
        '/v1/tasks/{id}/cancel',
        '/v1/tasks/{id}/logs',
        '/v1/tasks/{id}/retry',
        '/v1/batches',
        '/v1/batches/{id}',
        '/v1/account',
        '/v1/account/ledger',
        '/v1/account/limits',
        '/v1/admin/tenants',
        '/v1/admin/tenants/{tenantId}',
        '/v1/admin/tenants/{tenantId}/credits',
        '/v1/admin/tenants/{tenantId}/ledger',
        '/v1/admin/tenants/{tenantId}/limits',
        '/v1/admin/tenants/{tenantId}/keys',
        '/v1/admin/keys/{keyId}',
        '/v1/session',
        '/v1/tasks/retry',
        '/v1/webhooks/{provider}',
        '/v1/queues',
        '/',
        '/app/{file}',
      ].sort(),
    );
    expect(doc.components?.securitySchemes?.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.paths!['/v1/tasks']!.post!.security).toEqual([{ bearerAuth: [] }, { sessionCookie: [] }]);
    expect(doc.components?.securitySchemes?.sessionCookie).toMatchObject({ type: 'apiKey', in: 'cookie', name: 'loom_session' });
  });

  it("documents the limits' 429 with Retry-After on every way to create tasks", () => {
    const submits = [doc.paths!['/v1/tasks']!.post!, doc.paths!['/v1/batches']!.post!, doc.paths!['/v1/tasks/{id}/retry']!.post!];
    for (const op of submits) {
      const r = op.responses!['429'] as { headers?: Record<string, { required?: boolean; schema?: unknown }>; description: string };
      expect(r.description).toContain('SUBMIT_RATE_LIMITED');
      expect(r.description).toContain('TOO_MANY_WAITING_TASKS');
      expect(r.headers?.['Retry-After']).toMatchObject({ required: true, schema: { type: 'integer', minimum: 1 } });
    }
  });

  it('references the shared schemas', () => {
    expect(Object.keys(doc.components?.schemas ?? {})).toEqual(expect.arrayContaining(['Task', 'SubmitTask', 'Error', 'TaskPage', 'LiveEvent']));
    expect(JSON.stringify(doc.paths!['/v1/tasks']!.post!.responses!['202'])).toContain('#/components/schemas/Task');
  });
});
