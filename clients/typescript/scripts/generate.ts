// `npm run generate -w @loom/client`: rewrites src/generated/openapi.ts from the OpenAPI document;
// with --stdout, prints what it would write (the drift test runs it so: jest cannot load openapi-typescript).
import fs from 'node:fs';
import { generatedFile, generatedTypes } from './openapi-types';

generatedTypes().then(
  (text) => {
    if (process.argv.includes('--stdout')) return void process.stdout.write(text);
    fs.writeFileSync(generatedFile, text);
    console.log(`[loom] wrote ${generatedFile}`);
  },
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
