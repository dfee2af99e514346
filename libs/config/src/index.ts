export { loadEnv, envSchema, ConfigError, type LoomEnv } from './env';
export { loadTaskTypes, defaultTaskTypesFile, taskTypeSchema, priceSchema, type PriceRule, type TaskTypeConfig, type TaskTypes } from './task-types';
export { loadProviderPolicies, policyFor, providerPolicySchema, type ProviderPolicy } from './providers';
