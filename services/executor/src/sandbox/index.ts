// Sandboxed task types (a type's `isolation`: "worker_thread" or "child_process"): their
// handlers, wrapped so that each run executes in a thread or process of its own that the
// executor ends after the type's abortGraceMs once the run's signal fired (sandbox-host.ts).
import type { TaskTypes } from '@loom/config';
import type { TaskHandler } from '@loom/handlers';
import type { Logger } from '@loom/telemetry';
import { createSandboxedHandler } from './sandbox-host';
import { assertSandboxEntry, spawnSandbox } from './sandbox-spawn';

export { createSandboxedHandler, type SandboxProcess } from './sandbox-host';
export { assertSandboxEntry, sandboxEntry, spawnSandbox } from './sandbox-spawn';

/** Replaces, in `handlers`, the handler of every sandboxed type; checks at start-up that the sandbox entry exists. */
export function sandboxTypes(handlers: Map<string, TaskHandler>, types: TaskTypes, logger?: Logger): string[] {
  const sandboxed = Object.entries(types).filter(([type, cfg]) => cfg.isolation !== 'inline' && handlers.has(type));
  if (sandboxed.length === 0) return [];
  const entry = assertSandboxEntry();
  for (const [type, cfg] of sandboxed) {
    const isolation = cfg.isolation as Exclude<typeof cfg.isolation, 'inline'>;
    handlers.set(type, createSandboxedHandler(handlers.get(type)!, { graceMs: cfg.abortGraceMs, spawn: () => spawnSandbox(isolation, entry), logger }));
  }
  return sandboxed.map(([type]) => type);
}
