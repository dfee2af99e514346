// Per-provider operating limits and output rules, shared by every replica (config/providers.json;
// LOOM_PROVIDERS_FILE overrides). Base URLs and keys come from the environment (libs/providers).
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from './env';

export const providerPolicySchema = z.object({
  /** Jobs in flight at this provider account at once, across all replicas. */
  maxInFlight: z.number().int().positive().default(10),
  /** Calls per second to this provider account, across all replicas. */
  callsPerSecond: z.number().positive().default(5),
  /** How often status-sync polls jobs that get no webhook. */
  pollEveryMs: z.number().int().positive().default(5_000),
  outputs: z
    .object({
      /** Hosts outputs may be fetched from ("*.replicate.delivery"); empty = any public host. */
      allowedHosts: z.array(z.string()).default([]),
      /** Allow loopback/private addresses: only for a local simulator or a private provider. */
      allowPrivateNetworks: z.boolean().default(false),
      maxBytes: z.number().int().positive().default(2 * 1024 ** 3),
      timeoutMs: z.number().int().positive().default(15 * 60_000),
      /**
       * Media types outputs are stored (and served) with, exact or "image/*"; any other claimed
       * type is stored as application/octet-stream. Unset: video, raster images, audio, JSON, text
       * (libs/storage DEFAULT_OUTPUT_CONTENT_TYPES), never text/html or image/svg+xml.
       */
      contentTypes: z.array(z.string().regex(/^[a-z0-9][a-z0-9.+-]*\/([a-z0-9][a-z0-9.+-]*|\*)$/, 'a media type such as "video/mp4" or "image/*"')).optional(),
    })
    .default({ allowedHosts: [], allowPrivateNetworks: false, maxBytes: 2 * 1024 ** 3, timeoutMs: 15 * 60_000 }),
});
export type ProviderPolicy = z.infer<typeof providerPolicySchema>;

const fileSchema = z.object({ providers: z.record(z.string(), providerPolicySchema) });

export function loadProviderPolicies(
  file = process.env.LOOM_PROVIDERS_FILE ?? path.resolve(__dirname, '..', '..', '..', 'config', 'providers.json'),
): Record<string, ProviderPolicy> {
  if (!fs.existsSync(file)) return {};
  const parsed = fileSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
  if (!parsed.success) {
    throw new ConfigError(`invalid provider policies in ${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data.providers;
}

export function policyFor(policies: Record<string, ProviderPolicy>, provider: string): ProviderPolicy {
  return policies[provider] ?? providerPolicySchema.parse({});
}
