// The OpenAPI document against the routes express really serves (read from the router of an app
// built with every optional part), so a route added, removed or renamed without its
// documentation fails here with the exact path and method to fix. Answers are checked against
// the documented schemas by test/gateway/openapi-drift.test.ts on a real gateway.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadTaskTypes } from '@loom/config';
import { resolveHandlers } from '@loom/handlers';
import { createLogger } from '@loom/telemetry';
import { createLiveHub } from '../live/live-hub';
import { createTaskCatalog } from '../tasks/task-catalog';
import { createApp, type GatewayDeps } from './app';
import { buildOpenApiDocument } from './openapi';
import { routesOf } from './routes';

/** Served on purpose without a path in the document, and why (each is named in the document's text instead). */
const NOT_IN_DOCUMENT: Record<string, string> = {
  'GET /v1/ws': 'a WebSocket endpoint (it answers a plain GET with 426); OpenAPI cannot describe a WebSocket, /v1/events says where it is',
};

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'] as const;

function fullApp() {
  const types = loadTaskTypes();
  const catalog = createTaskCatalog(types, resolveHandlers(types));
  // Only construction runs here (no request reaches a use case), so the use cases are bare stand-ins.
  const unused = {} as never;
  const deps: GatewayDeps = {
    tasks: unused,
    catalog,
    auth: unused,
    live: createLiveHub(),
    logger: createLogger('openapi-drift', 'silent'),
    bodyLimit: '16kb',
    isReady: () => true,
    webhooks: unused,
    billing: { accounts: unused, batches: unused },
    limits: unused,
    keys: unused,
    ...({ sessions: unused, queueStats: unused, webDir: fs.mkdtempSync(path.join(os.tmpdir(), 'loom-web-')) } as Partial<GatewayDeps>),
  };
  return { app: createApp(deps), catalog };
}

describe('the OpenAPI document and the routes express serves', () => {
  const { app, catalog } = fullApp();
  const doc = buildOpenApiDocument({ taskTypes: catalog.describe() });
  const served = routesOf(app);
  const documented = Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
    METHODS.filter((m) => (item as Record<string, unknown>)[m]).map((m) => `${m.toUpperCase()} ${path}`),
  );

  it('documents every route it serves, and serves every route it documents', () => {
    const servedKeys = [...new Set(served.filter((r) => !r.opaque).map((r) => `${r.method} ${r.path}`))].filter((k) => !(k in NOT_IN_DOCUMENT));
    const undocumented = servedKeys.filter((k) => !documented.includes(k));
    const unserved = documented.filter((k) => !servedKeys.includes(k));
    const problems = [
      ...undocumented.map((k) => `${k} is served but not in the OpenAPI document: register it in services/gateway/src/http/openapi.ts`),
      ...unserved.map((k) => `${k} is in the OpenAPI document but no route serves it`),
    ];
    expect(problems).toEqual([]);
  });

  it('serves no route the document cannot describe (wildcards, regexps, all-methods routes)', () => {
    expect(served.filter((r) => r.opaque).map((r) => `${r.method} ${r.path}`)).toEqual([]);
  });

  it('documents the 400 and the 401 of every secured operation that takes parameters or a body', () => {
    const missing: string[] = [];
    for (const [path, item] of Object.entries(doc.paths ?? {})) {
      for (const m of METHODS) {
        const op = (item as Record<string, { parameters?: unknown[]; requestBody?: unknown; responses?: Record<string, unknown>; security?: unknown[] }>)[m];
        if (!op) continue;
        const codes = Object.keys(op.responses ?? {});
        const takesInput = (op.parameters?.length ?? 0) > 0 || op.requestBody !== undefined;
        // Secured: some credential is required (an empty alternative {} makes it optional).
        const secured = (op.security?.length ?? 0) > 0 && !op.security!.some((alt) => Object.keys(alt as object).length === 0);
        if (secured && takesInput && !codes.includes('400')) missing.push(`${m.toUpperCase()} ${path}: 400`);
        if (secured && !codes.includes('401')) missing.push(`${m.toUpperCase()} ${path}: 401`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('documents a submission per configured task type, with that type input schema', () => {
    const schemas = doc.components!.schemas as Record<string, { oneOf?: { $ref: string }[]; properties?: Record<string, unknown>; required?: string[] }>;
    const types = catalog.describe().map((t) => t.type);
    expect(schemas.SubmitTask!.oneOf!.map((r) => r.$ref).sort()).toEqual(types.map((t) => `#/components/schemas/SubmitTask.${t}`).sort());
    const image = schemas['SubmitTask.demo.image']!;
    expect(image.properties!.type).toMatchObject({ const: 'demo.image' });
    expect(image.required).toEqual(expect.arrayContaining(['type', 'input']));
    expect(schemas['Input.demo.image']).toMatchObject({ required: ['ms'], additionalProperties: false });
  });
});
