// The simulator's knobs: every one has a default, an SIM_* variable for the process, and can be
// changed on a running simulator with setOptions (tests flip rate limits and outages mid-run).

export type ProviderKey = 'replicate' | 'runninghub' | 'grsai';
export const PROVIDER_KEYS: readonly ProviderKey[] = ['replicate', 'runninghub', 'grsai'];

export interface SimulatorOptions {
  /** Port to listen on; 0 = any free port (default 0; SIM_PORT, 4600 when run as a process). */
  port: number;
  /** Interface to listen on (default 127.0.0.1). */
  host: string;
  /** The API key (token) every provider accepts; anything else gets that provider's 401 (default "sim-key"). */
  apiKey: string;
  /** Secrets the webhooks are signed with (Standard Webhooks headers), per provider; the adapters' *_WEBHOOK_SECRET must match. */
  webhookSecrets: Record<ProviderKey, string>;
  /** Delay before every API answer, ms (default 0). */
  latencyMs: number;
  /**
   * Extra delay of a submit's answer AFTER the job was created, ms (default 0): the provider
   * accepts and answers late, so a caller that times out first does not learn the job exists.
   */
  submitAnswerDelayMs: number;
  /** From submit to the end of a job, ms (default 3000). */
  jobDurationMs: number;
  /** Progress updates while running (default 5: 0, 20, 40, 60, 80 then done). */
  progressSteps: number;
  /** Share of jobs that end failed, 0..1 (default 0). "[sim:fail]" anywhere in a request fails that job. */
  failureRate: number;
  /** Share of API calls answered 429 with Retry-After, 0..1 (default 0). */
  rateLimitRate: number;
  /** Retry-After of those 429s, seconds (default 1). */
  retryAfterSeconds: number;
  /** Jobs in flight per provider before submits are refused in the provider's style; 0 = no limit (default 0). */
  maxInFlight: number;
  /** Deliver webhooks to jobs that asked for them (default true). */
  webhooks: boolean;
  /**
   * Send RunningHub's and Grsai's webhooks without signature headers, as the real services do, so
   * adapters must authenticate them by the loom_token in the callback URL (default false: signed).
   * Replicate's are always signed.
   */
  unsignedWebhooks: boolean;
  /** Outage: while true the simulator refuses connections (or answers 503, see downMode) (default false). */
  down: boolean;
  /** How an outage looks: "refuse" closes the listening socket (connection refused), "503" answers 503 (default "refuse"). */
  downMode: 'refuse' | '503';
  /** Output files per job (default 1). */
  outputCount: number;
  /** Bytes per output file, streamed, never held in memory (default 256 KiB). */
  outputSize: number;
  /** Content-Type of output files (default video/mp4). */
  outputContentType: string;
  /** Seed of the deterministic output bytes (default "loom-sim"). */
  seed: string;
  /** Base URL put in output and status URLs, when the simulator is reached under another address (default: its own URL). */
  publicUrl?: string;
}

const secret = (label: string) => `whsec_${Buffer.from(`loom-simulator-${label}-webhook-key`.padEnd(32, '.').slice(0, 32)).toString('base64')}`;

/** Known development secrets: fine for a local simulator, never for a real provider. */
export const DEFAULT_WEBHOOK_SECRETS: Readonly<Record<ProviderKey, string>> = {
  replicate: secret('replicate'),
  runninghub: secret('runninghub'),
  grsai: secret('grsai'),
};

export const DEFAULT_OPTIONS: Readonly<SimulatorOptions> = {
  port: 0,
  host: '127.0.0.1',
  apiKey: 'sim-key',
  webhookSecrets: DEFAULT_WEBHOOK_SECRETS,
  latencyMs: 0,
  submitAnswerDelayMs: 0,
  jobDurationMs: 3000,
  progressSteps: 5,
  failureRate: 0,
  rateLimitRate: 0,
  retryAfterSeconds: 1,
  maxInFlight: 0,
  webhooks: true,
  unsignedWebhooks: false,
  down: false,
  downMode: 'refuse',
  outputCount: 1,
  outputSize: 256 * 1024,
  outputContentType: 'video/mp4',
  seed: 'loom-sim',
};

export function resolveOptions(partial: Partial<SimulatorOptions> = {}, base: SimulatorOptions = DEFAULT_OPTIONS): SimulatorOptions {
  const o = { ...base, ...stripUndefined(partial), webhookSecrets: { ...base.webhookSecrets, ...stripUndefined(partial.webhookSecrets ?? {}) } };
  const checks: Array<[boolean, string]> = [
    [Number.isInteger(o.port) && o.port >= 0 && o.port < 65536, 'port'],
    [o.latencyMs >= 0, 'latencyMs'],
    [o.submitAnswerDelayMs >= 0, 'submitAnswerDelayMs'],
    [o.jobDurationMs >= 0, 'jobDurationMs'],
    [Number.isInteger(o.progressSteps) && o.progressSteps >= 1, 'progressSteps'],
    [o.failureRate >= 0 && o.failureRate <= 1, 'failureRate'],
    [o.rateLimitRate >= 0 && o.rateLimitRate <= 1, 'rateLimitRate'],
    [o.retryAfterSeconds >= 0, 'retryAfterSeconds'],
    [Number.isInteger(o.maxInFlight) && o.maxInFlight >= 0, 'maxInFlight'],
    [Number.isInteger(o.outputCount) && o.outputCount >= 0, 'outputCount'],
    [Number.isInteger(o.outputSize) && o.outputSize >= 0, 'outputSize'],
    [o.downMode === 'refuse' || o.downMode === '503', 'downMode'],
  ];
  const bad = checks.filter(([ok]) => !ok).map(([, name]) => name);
  if (bad.length) throw new Error(`provider-simulator: invalid option(s): ${bad.join(', ')}`);
  return o;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function num(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const v = env[name];
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`provider-simulator: ${name}="${v}" is not a number`);
  return n;
}

function bool(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const v = env[name]?.trim().toLowerCase();
  if (!v) return undefined;
  return !['0', 'false', 'no', 'off'].includes(v);
}

/** The SIM_* variables; unset ones keep their default. */
export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): Partial<SimulatorOptions> {
  return {
    port: num(env, 'SIM_PORT') ?? 4600,
    host: env.SIM_HOST || undefined,
    apiKey: env.SIM_API_KEY || undefined,
    webhookSecrets: {
      replicate: env.SIM_REPLICATE_WEBHOOK_SECRET || DEFAULT_WEBHOOK_SECRETS.replicate,
      runninghub: env.SIM_RUNNINGHUB_WEBHOOK_SECRET || DEFAULT_WEBHOOK_SECRETS.runninghub,
      grsai: env.SIM_GRSAI_WEBHOOK_SECRET || DEFAULT_WEBHOOK_SECRETS.grsai,
    },
    latencyMs: num(env, 'SIM_LATENCY_MS'),
    submitAnswerDelayMs: num(env, 'SIM_SUBMIT_ANSWER_DELAY_MS'),
    jobDurationMs: num(env, 'SIM_JOB_DURATION_MS'),
    progressSteps: num(env, 'SIM_PROGRESS_STEPS'),
    failureRate: num(env, 'SIM_FAILURE_RATE'),
    rateLimitRate: num(env, 'SIM_RATE_LIMIT_RATE'),
    retryAfterSeconds: num(env, 'SIM_RETRY_AFTER_S'),
    maxInFlight: num(env, 'SIM_MAX_IN_FLIGHT'),
    webhooks: bool(env, 'SIM_WEBHOOKS'),
    unsignedWebhooks: bool(env, 'SIM_UNSIGNED_WEBHOOKS'),
    downMode: (env.SIM_DOWN_MODE as SimulatorOptions['downMode']) || undefined,
    outputCount: num(env, 'SIM_OUTPUT_COUNT'),
    outputSize: num(env, 'SIM_OUTPUT_SIZE'),
    outputContentType: env.SIM_OUTPUT_CONTENT_TYPE || undefined,
    seed: env.SIM_SEED || undefined,
    publicUrl: env.SIM_PUBLIC_URL || undefined,
  };
}

/** The adapter variables (libs/providers) that point every provider at a simulator. */
export function simulatorProviderEnv(url: string, options: Pick<SimulatorOptions, 'apiKey' | 'webhookSecrets'> = DEFAULT_OPTIONS): Record<string, string> {
  const base = url.replace(/\/+$/, '');
  return {
    REPLICATE_BASE_URL: `${base}/replicate`,
    REPLICATE_API_TOKEN: options.apiKey,
    REPLICATE_WEBHOOK_SECRET: options.webhookSecrets.replicate,
    RUNNINGHUB_BASE_URL: `${base}/runninghub`,
    RUNNINGHUB_API_KEY: options.apiKey,
    RUNNINGHUB_WEBHOOK_SECRET: options.webhookSecrets.runninghub,
    GRSAI_BASE_URL: `${base}/grsai`,
    GRSAI_API_KEY: options.apiKey,
    GRSAI_WEBHOOK_SECRET: options.webhookSecrets.grsai,
  };
}
