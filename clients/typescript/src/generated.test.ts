// The committed generated types are what the gateway's OpenAPI document gives today: a route,
// schema or task type changed without `npm run generate -w @loom/client` fails here.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const generatedFile = path.join(__dirname, 'generated', 'openapi.ts');

/** What `npm run generate` would write, made in a child process (openapi-typescript is ESM-first, which jest's module loader cannot require). */
function generatedTypes(): string {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', 'scripts', 'generate.ts'), '--stdout'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`scripts/generate.ts failed: ${r.stderr}`);
  return r.stdout;
}

describe('src/generated/openapi.ts', () => {
  it('matches the OpenAPI document', () => {
    const expected = generatedTypes();
    const committed = fs.readFileSync(generatedFile, 'utf8');
    if (committed !== expected) {
      const a = committed.split('\n');
      const b = expected.split('\n');
      const line = a.findIndex((l, i) => l !== b[i]);
      throw new Error(
        `clients/typescript/src/generated/openapi.ts is stale (first difference at line ${line + 1}: ` +
          `${JSON.stringify(a[line] ?? '<end>')} should be ${JSON.stringify(b[line] ?? '<end>')}): run \`npm run generate -w @loom/client\` and commit it`,
      );
    }
  });
});
