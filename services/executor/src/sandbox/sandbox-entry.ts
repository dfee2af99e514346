// Main of a sandbox: the worker thread or child process in which one run of a sandboxed task
// type's handler executes (sandbox-host.ts starts it, and ends it). Handlers are the built-in
// registry, by the name the type configures, exactly as the executor resolved them at start-up.
import { parentPort } from 'node:worker_threads';
import { builtInHandlers } from '@loom/handlers';
import type { HostMessage, SandboxMessage } from './sandbox-protocol';
import { startSandboxRuntime } from './sandbox-runtime';

if (parentPort) {
  const port = parentPort;
  startSandboxRuntime({ send: (m: SandboxMessage) => port.postMessage(m), onMessage: (l) => port.on('message', (m: HostMessage) => l(m)) }, builtInHandlers);
} else if (process.send) {
  // The executor is gone (its IPC channel closed): nobody may act on this run any more.
  process.on('disconnect', () => process.exit(1));
  startSandboxRuntime({ send: (m: SandboxMessage) => void process.send?.(m), onMessage: (l) => process.on('message', (m) => l(m as HostMessage)) }, builtInHandlers);
} else {
  console.error('sandbox-entry runs only as a worker thread or forked process of the executor');
  process.exit(2);
}
