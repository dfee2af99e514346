// The child side of the bench's IPC protocol (bench/systems/peers.ts PeerChild), shared by the
// peers' processes and Loom's client: its configuration from an environment variable, `send` to
// the bench, and `fail`, which reports an error and exits (also on an uncaught one). The bench
// ends a child with a 'stop' message; if the bench itself dies, so does the child.
import type { FromChild } from './types';

export function ipcChild<C>(configVariable: string): { cfg: C; send: (m: FromChild) => void; fail: (err: unknown) => void } {
  const cfg = JSON.parse(process.env[configVariable] ?? '{}') as C;
  const send = (m: FromChild) => void process.send?.(m);
  const fail = (err: unknown) => {
    send({ kind: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    setTimeout(() => process.exit(1), 100);
  };
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
  process.on('disconnect', () => process.exit(0));
  return { cfg, send, fail };
}
