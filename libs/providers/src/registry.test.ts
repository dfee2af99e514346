import type { Provider } from './provider';
import { createProvider, createProviderRegistry, providerNames } from './registry';

describe('provider registry', () => {
  it('knows the three adapters by name', () => {
    expect(providerNames).toEqual(['replicate', 'runninghub', 'grsai']);
    for (const name of providerNames) expect(createProvider(name, {}).name).toBe(name);
  });

  it('an unknown name is a configuration error', () => {
    expect(() => createProvider('fal', {})).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining('unknown provider "fal"') }));
  });

  it('is called with a name and keeps one adapter per name (its webhook replay memory)', () => {
    const providers = createProviderRegistry({ GRSAI_API_KEY: 'k' });
    expect(providers('grsai')).toBe(providers('grsai'));
    expect(providers.has('grsai')).toBe(true);
    expect(providers.has('fal')).toBe(false);
    expect(() => providers('fal')).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it('takes extra adapters', () => {
    const providers = createProviderRegistry({});
    const local = { name: 'local-gpu' } as Provider;
    providers.register(local);
    expect(providers('local-gpu')).toBe(local);
    expect(providers.has('local-gpu')).toBe(true);
    expect(providers.names()).toEqual(['replicate', 'runninghub', 'grsai', 'local-gpu']);
  });

  it('validates the environment once, at creation', () => {
    expect(() => createProviderRegistry({ REPLICATE_BASE_URL: 'not a url' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});
