import { loadProviderConfig } from './provider-config';

describe('loadProviderConfig', () => {
  it('defaults to the real services, no keys, 30 s calls and a 5 min webhook window', () => {
    const c = loadProviderConfig({});
    expect(c.replicate).toEqual({ baseUrl: 'https://api.replicate.com', apiKey: undefined, webhookSecret: undefined, timeoutMs: 30_000, webhookToleranceMs: 300_000 });
    expect(c.runninghub.baseUrl).toBe('https://www.runninghub.cn');
    expect(c.grsai.baseUrl).toBe('https://grsai.dakka.com.cn');
  });

  it('reads keys, base URLs, secrets and timeouts; empty values count as unset', () => {
    const c = loadProviderConfig({
      REPLICATE_API_TOKEN: 'r8_x',
      REPLICATE_BASE_URL: 'http://127.0.0.1:4600/replicate',
      REPLICATE_WEBHOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      RUNNINGHUB_API_KEY: '',
      GRSAI_API_KEY: 'sk-1',
      GRSAI_WEBHOOK_SECRET: 'a-long-enough-secret',
      GRSAI_TIMEOUT_MS: '5000',
      PROVIDER_TIMEOUT_MS: '10000',
      PROVIDER_WEBHOOK_TOLERANCE_MS: '60000',
    });
    expect(c.replicate).toMatchObject({ apiKey: 'r8_x', baseUrl: 'http://127.0.0.1:4600/replicate', timeoutMs: 10_000, webhookToleranceMs: 60_000 });
    expect(c.runninghub.apiKey).toBeUndefined();
    expect(c.grsai).toMatchObject({ apiKey: 'sk-1', webhookSecret: 'a-long-enough-secret', timeoutMs: 5000 });
  });

  it('stops with a sentence naming each malformed variable', () => {
    let error: (Error & { code?: string }) | undefined;
    try {
      loadProviderConfig({ REPLICATE_WEBHOOK_SECRET: 'not-whsec', GRSAI_BASE_URL: 'ftp://x', RUNNINGHUB_WEBHOOK_SECRET: 'short' });
    } catch (err) {
      error = err as Error & { code?: string };
    }
    expect(error?.code).toBe('CONFIG_INVALID');
    for (const name of ['REPLICATE_WEBHOOK_SECRET', 'GRSAI_BASE_URL', 'RUNNINGHUB_WEBHOOK_SECRET']) expect(error?.message).toContain(name);
  });
});
