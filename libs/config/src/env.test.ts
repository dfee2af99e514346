// The environment is checked once at start-up: a bad value stops the service with a sentence
// naming the variable (here: the per-tenant limits' defaults).
import { ConfigError, loadEnv } from './env';

describe('loadEnv', () => {
  it('gives every tenant generous default limits', () => {
    expect(loadEnv({})).toMatchObject({ TENANT_SUBMITS_PER_SECOND: 1000, TENANT_SUBMIT_BURST_SECONDS: 2, TENANT_MAX_WAITING: 100_000, TENANT_WAITING_RECOUNT_MS: 1000 });
    expect(loadEnv({ TENANT_SUBMITS_PER_SECOND: '0.5', TENANT_MAX_WAITING: '0' })).toMatchObject({ TENANT_SUBMITS_PER_SECOND: 0.5, TENANT_MAX_WAITING: 0 });
  });

  it.each([
    ['TENANT_SUBMITS_PER_SECOND', '-1'],
    ['TENANT_SUBMITS_PER_SECOND', 'fast'],
    ['TENANT_SUBMIT_BURST_SECONDS', '0'],
    ['TENANT_MAX_WAITING', '2.5'],
    ['TENANT_WAITING_RECOUNT_MS', '10'],
  ])('refuses %s=%s, naming it', (name, value) => {
    let err: unknown;
    try {
      loadEnv({ [name]: value });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain(`${name}:`);
  });
});
