// Shared by the deployment tests: does an environment (what compose or Kubernetes gives a
// container, over the image's own ENV) cover every variable the services read?
import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { envSchema } from '@loom/config';
import { providerEnvSchema } from '@loom/providers';
import { storageEnvSchema } from '@loom/storage';

export const repoRoot = path.resolve(__dirname, '..', '..');
export const LOOM_SERVICES = ['gateway', 'scheduler', 'executor', 'status-sync', 'settlement'];

/** What the services read: the shared env (libs/config), object storage, providers. */
export const ENV_SCHEMAS: Record<string, z.ZodObject<z.ZodRawShape>> = {
  '@loom/config envSchema': envSchema,
  '@loom/storage storageEnvSchema': storageEnvSchema,
  '@loom/providers providerEnvSchema': providerEnvSchema,
};

/** ENV of the Dockerfile's last stage: the image's own defaults. */
export function imageEnv(): Record<string, string> {
  const text = fs.readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const lastStage = text.slice(text.lastIndexOf('\nFROM '));
  const env: Record<string, string> = {};
  for (const line of lastStage.split('\n').filter((l) => l.startsWith('ENV '))) {
    for (const m of line.slice(4).matchAll(/([A-Z0-9_]+)=(\S+)/g)) env[m[1]!] = m[2]!;
  }
  return env;
}

/**
 * Problems with `env` for one service: values that do not parse, variables that are required
 * and unset, and unset ones whose default names the local machine (no server there in a container).
 */
export function envProblems(service: string, env: Record<string, string>): string[] {
  const problems: string[] = [];
  for (const [label, schema] of Object.entries(ENV_SCHEMAS)) {
    const parsed = schema.safeParse(env);
    if (!parsed.success) problems.push(`${service}: ${label}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    for (const [key, field] of Object.entries(schema.shape)) {
      if (env[key] !== undefined) continue;
      const fallback = (field as z.ZodType).safeParse(undefined);
      if (!fallback.success) problems.push(`${service}: ${key} (${label}) is required and not set`);
      else if (/127\.0\.0\.1|localhost/.test(String(fallback.data))) {
        problems.push(`${service}: ${key} (${label}) defaults to ${String(fallback.data)}, which is no server inside a container`);
      }
    }
  }
  return problems;
}
