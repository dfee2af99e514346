// Provider adapters by name. Services build one registry at start-up and keep it: an adapter
// instance holds its webhook replay memory, so all webhooks must go through the same instance.
import { createGrsaiProvider } from './grsai.provider';
import type { Provider } from './provider';
import { loadProviderConfig, type ProviderEnvSource, type ProvidersConfig } from './provider-config';
import type { ProviderDeps } from './provider-deps';
import { createReplicateProvider } from './replicate.provider';
import { createRunningHubProvider } from './runninghub.provider';

export type ProviderFactory = (config: ProvidersConfig, deps?: ProviderDeps) => Provider;

export const providerFactories = {
  replicate: (config, deps) => createReplicateProvider(config.replicate, deps),
  runninghub: (config, deps) => createRunningHubProvider(config.runninghub, deps),
  grsai: (config, deps) => createGrsaiProvider(config.grsai, deps),
} as const satisfies Record<string, ProviderFactory>;

export type ProviderName = keyof typeof providerFactories;
export const providerNames = Object.keys(providerFactories) as ProviderName[];

export function isProviderName(name: string): name is ProviderName {
  return Object.prototype.hasOwnProperty.call(providerFactories, name);
}

function unknownProvider(name: string, known: string[]): Error {
  return Object.assign(new Error(`unknown provider "${name}" (known: ${known.join(', ')})`), { code: 'CONFIG_INVALID' });
}

function isProvidersConfig(source: ProvidersConfig | ProviderEnvSource): source is ProvidersConfig {
  const r = (source as ProvidersConfig).replicate;
  return typeof r === 'object' && r !== null && typeof r.baseUrl === 'string';
}

function toConfig(source: ProvidersConfig | ProviderEnvSource): ProvidersConfig {
  return isProvidersConfig(source) ? source : loadProviderConfig(source);
}

/** A new adapter for `name` from a loaded config or an environment; throws (code CONFIG_INVALID) for an unknown name. */
export function createProvider(name: string, source: ProvidersConfig | ProviderEnvSource = process.env, deps: ProviderDeps = {}): Provider {
  if (!isProviderName(name)) throw unknownProvider(name, providerNames);
  return providerFactories[name](toConfig(source), deps);
}

/** Call it with a name for that provider's one adapter (created on first use; throws for an unknown name). */
export interface ProviderRegistry {
  (name: string): Provider;
  has(name: string): boolean;
  names(): string[];
  /** Adds (or replaces) an adapter under its own name: in-process handlers, fal, a test double. */
  register(provider: Provider): void;
}

/** The registry of a service; the configuration is parsed (and validated) here, once. */
export function createProviderRegistry(source: ProvidersConfig | ProviderEnvSource = process.env, deps: ProviderDeps = {}): ProviderRegistry {
  const config = toConfig(source);
  const instances = new Map<string, Provider>();
  const registry = ((name: string): Provider => {
    let provider = instances.get(name);
    if (!provider) {
      if (!isProviderName(name)) throw unknownProvider(name, registry.names());
      provider = providerFactories[name](config, deps);
      instances.set(name, provider);
    }
    return provider;
  }) as ProviderRegistry;
  registry.has = (name) => instances.has(name) || isProviderName(name);
  registry.names = () => [...new Set<string>([...providerNames, ...instances.keys()])];
  registry.register = (provider) => void instances.set(provider.name, provider);
  return registry;
}
