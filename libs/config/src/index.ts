export { loadEnv, envSchema, ConfigError, type LoomEnv } from './env';
export { loadTaskTypes, defaultTaskTypesFile, taskTypeSchema, type TaskTypeConfig, type TaskTypes } from './task-types';
