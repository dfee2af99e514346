export { startSimulator, type SimulatorHandle, type SimulatorStats } from './simulator';
export { DEFAULT_OPTIONS, DEFAULT_WEBHOOK_SECRETS, optionsFromEnv, resolveOptions, simulatorProviderEnv, PROVIDER_KEYS, type ProviderKey, type SimulatorOptions } from './options';
export { expectedSha256, outputFileStream } from './files';
