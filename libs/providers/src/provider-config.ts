// Provider configuration from the environment, validated once: base URL, credential, webhook
// secret and timeouts per provider (operating limits and output host rules are @loom/config's
// config/providers.json). A provider without a credential is still configured (calls
// fail with an 'auth' ProviderError naming the variable), so services start without keys for
// providers they never use. Pointing a base URL and key at the real service needs no code change.
import { z } from 'zod';

export interface ProviderEndpointConfig {
  baseUrl: string;
  /** Replicate API token, RunningHub API key, Grsai API key. */
  apiKey?: string;
  /**
   * Replicate: its `whsec_...` signing secret (fetched from the API when unset).
   * RunningHub, Grsai: Loom's own shared secret (their real webhooks are unsigned; see README).
   */
  webhookSecret?: string;
  /** Per HTTP call. */
  timeoutMs: number;
  /** Largest accepted webhook timestamp skew. */
  webhookToleranceMs: number;
}

export interface ProvidersConfig {
  replicate: ProviderEndpointConfig;
  runninghub: ProviderEndpointConfig;
  grsai: ProviderEndpointConfig;
}

const unsetIfEmpty = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalString = z.preprocess(unsetIfEmpty, z.string().trim().optional());
const url = (def: string) => z.preprocess(unsetIfEmpty, z.url({ protocol: /^https?$/ }).default(def));
const optionalMs = z.preprocess(unsetIfEmpty, z.coerce.number().int().positive().optional());
const whsec = z.preprocess(
  unsetIfEmpty,
  z
    .string()
    .trim()
    .regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/, 'must be whsec_<base64>, as Replicate shows it (GET /v1/webhooks/default/secret)')
    .optional(),
);
const sharedSecret = z.preprocess(unsetIfEmpty, z.string().trim().min(16, 'must be at least 16 characters').optional());

export const providerEnvSchema = z.object({
  /** Replicate API token (r8_...). */
  REPLICATE_API_TOKEN: optionalString,
  REPLICATE_BASE_URL: url('https://api.replicate.com'),
  /** Replicate's webhook signing secret; when unset it is fetched once with the token. */
  REPLICATE_WEBHOOK_SECRET: whsec,
  REPLICATE_TIMEOUT_MS: optionalMs,

  RUNNINGHUB_API_KEY: optionalString,
  RUNNINGHUB_BASE_URL: url('https://www.runninghub.cn'),
  /** Loom's secret for RunningHub callbacks (whsec_<base64> or any string of 16+ characters). */
  RUNNINGHUB_WEBHOOK_SECRET: sharedSecret,
  RUNNINGHUB_TIMEOUT_MS: optionalMs,

  GRSAI_API_KEY: optionalString,
  GRSAI_BASE_URL: url('https://grsai.dakka.com.cn'),
  /** Loom's secret for Grsai callbacks (whsec_<base64> or any string of 16+ characters). */
  GRSAI_WEBHOOK_SECRET: sharedSecret,
  GRSAI_TIMEOUT_MS: optionalMs,

  /** Default per-call timeout of every provider (30 s: submit and status calls answer in well under a second normally). */
  PROVIDER_TIMEOUT_MS: z.preprocess(unsetIfEmpty, z.coerce.number().int().positive().default(30_000)),
  /** Largest accepted webhook timestamp skew (5 min, Standard Webhooks' recommendation). */
  PROVIDER_WEBHOOK_TOLERANCE_MS: z.preprocess(unsetIfEmpty, z.coerce.number().int().positive().default(300_000)),
});

export type ProviderEnv = z.infer<typeof providerEnvSchema>;

/** process.env, or any map of variable names to values. */
export type ProviderEnvSource = NodeJS.ProcessEnv | Record<string, string | undefined>;

/** Parses the provider variables; throws (code CONFIG_INVALID) with a sentence per malformed one. */
export function loadProviderConfig(env: ProviderEnvSource = process.env): ProvidersConfig {
  const parsed = providerEnvSchema.safeParse(env);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw Object.assign(new Error(`invalid provider configuration: ${issues}`), { code: 'CONFIG_INVALID' });
  }
  const e = parsed.data;
  const common = (timeoutMs: number | undefined) => ({
    timeoutMs: timeoutMs ?? e.PROVIDER_TIMEOUT_MS,
    webhookToleranceMs: e.PROVIDER_WEBHOOK_TOLERANCE_MS,
  });
  return {
    replicate: {
      baseUrl: e.REPLICATE_BASE_URL,
      apiKey: e.REPLICATE_API_TOKEN,
      webhookSecret: e.REPLICATE_WEBHOOK_SECRET,
      ...common(e.REPLICATE_TIMEOUT_MS),
    },
    runninghub: {
      baseUrl: e.RUNNINGHUB_BASE_URL,
      apiKey: e.RUNNINGHUB_API_KEY,
      webhookSecret: e.RUNNINGHUB_WEBHOOK_SECRET,
      ...common(e.RUNNINGHUB_TIMEOUT_MS),
    },
    grsai: {
      baseUrl: e.GRSAI_BASE_URL,
      apiKey: e.GRSAI_API_KEY,
      webhookSecret: e.GRSAI_WEBHOOK_SECRET,
      ...common(e.GRSAI_TIMEOUT_MS),
    },
  };
}
