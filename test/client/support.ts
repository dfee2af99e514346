// Shared by the client and CLI tests: the repository's own sleep task types, so the types
// generated from the document (demo.image, demo.video and their inputs) apply as they are.
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '@loom/dev-infra';

export function demoSleepTypes(): Record<string, Record<string, unknown>> {
  const all = JSON.parse(fs.readFileSync(path.join(repoRoot, 'config', 'task-types.json'), 'utf8')).types;
  return { 'demo.image': all['demo.image'], 'demo.video': all['demo.video'] };
}
