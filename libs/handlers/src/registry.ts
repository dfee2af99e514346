// The handlers this build knows, by name. config/task-types.json binds task types to them.
import type { TaskTypes } from '@loom/config';
import { providerHandlerSpec } from './provider.handler';
import { sleepHandler } from './sleep.handler';
import type { TaskHandler } from './task-handler';

export const builtInHandlers: Record<string, TaskHandler> = {
  [sleepHandler.name]: sleepHandler as unknown as TaskHandler,
  [providerHandlerSpec.name]: providerHandlerSpec as unknown as TaskHandler,
};

/** Checks that every configured type names a known handler; throws naming the first that does not. */
export function resolveHandlers(types: TaskTypes, handlers = builtInHandlers): Map<string, TaskHandler> {
  const out = new Map<string, TaskHandler>();
  for (const [type, cfg] of Object.entries(types)) {
    const h = handlers[cfg.handler];
    if (!h) throw Object.assign(new Error(`task type ${type} names unknown handler "${cfg.handler}"`), { code: 'CONFIG_INVALID' });
    out.set(type, h);
  }
  return out;
}
