export * from './task-handler';
export * from './task-failure';
export { sleepHandler, sleepInput, abortableDelay } from './sleep.handler';
export { builtInHandlers, resolveHandlers } from './registry';
export { providerHandlerSpec, providerInput } from './provider.handler';
