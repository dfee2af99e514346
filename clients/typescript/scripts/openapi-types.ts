// Builds the client's generated types: the gateway's OpenAPI document (with this repository's
// task types, as a gateway started from it serves it) through openapi-typescript. Used by
// scripts/generate.ts, which writes src/generated/openapi.ts, and by the drift test, which
// fails when the committed file is not what this makes.
import path from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';
import { loadTaskTypes } from '@loom/config';
import { resolveHandlers } from '@loom/handlers';
import { buildOpenApiDocument } from '../../../services/gateway/src/http/openapi';
import { createTaskCatalog } from '../../../services/gateway/src/tasks/task-catalog';

export const generatedFile = path.join(__dirname, '..', 'src', 'generated', 'openapi.ts');

export function openApiDocument() {
  const types = loadTaskTypes();
  return buildOpenApiDocument({ taskTypes: createTaskCatalog(types, resolveHandlers(types)).describe() });
}

/**
 * The document as the types are made from it: a recursive JSON value (a provider input's
 * StorableJson) becomes `unknown`, since TypeScript refuses an interface member whose array
 * refers to itself; the gateway still checks every nested key.
 */
function forTypes(doc: ReturnType<typeof openApiDocument>) {
  const copy = JSON.parse(JSON.stringify(doc)) as { components: { schemas: Record<string, unknown> } };
  for (const name of Object.keys(copy.components.schemas)) {
    if (/\.StorableJson$/.test(name)) copy.components.schemas[name] = { description: 'Any JSON value (its object keys: no NUL, no leading $).' };
  }
  return copy;
}

export async function generatedTypes(): Promise<string> {
  // defaultNonNullable off: an input field with a default may be left out (the gateway fills it in).
  const ast = await openapiTS(forTypes(openApiDocument()) as never, { alphabetize: true, defaultNonNullable: false });
  return (
    '// Generated from the gateway\'s OpenAPI document by `npm run generate -w @loom/client`: do not edit.\n' +
    '// test: clients/typescript/src/generated.test.ts fails when this file is not what the document gives.\n' +
    astToString(ast)
  );
}
