// The messages between the executor and a sandbox (a worker thread or child process that runs
// one handler run, see sandbox-host.ts). The executor owns every side effect: the sandbox only
// asks (progress, log, writeOutput, recordExternalJob), and the executor answers or ignores it.
// Values cross as structured clones (worker postMessage, fork with serialization "advanced").
import type { LogLevel } from '@loom/contracts';
import type { TaskContext } from '@loom/handlers';
import type { AbortKind } from '../abort-reasons';

/** Executor to sandbox. */
export type HostMessage =
  | { kind: 'run'; handler: string; task: TaskContext<unknown>['task']; input: unknown; externalId?: string }
  | { kind: 'abort'; reason: AbortKind }
  | { kind: 'reply'; id: number; ok: true; value: unknown }
  | { kind: 'reply'; id: number; ok: false; error: SerializedError };

/** What the sandbox asks the executor to do on its behalf, one per context call. */
export type SandboxCall =
  | { method: 'progress'; percent: number; message?: string }
  | { method: 'log'; level: LogLevel; message: string; data?: unknown }
  | { method: 'recordExternalJob'; provider: string; externalId: string }
  /** A whole output (`bytes`), or the start of a streamed one whose chunks follow as outputChunk calls naming this call's id. */
  | { method: 'writeOutput'; contentType: string; bytes?: Uint8Array }
  | { method: 'outputChunk'; of: number; bytes: Uint8Array }
  /** The last chunk was sent; with `error`, the handler's stream broke and the output is abandoned. */
  | { method: 'outputEnd'; of: number; error?: string };

/** Sandbox to executor. */
export type SandboxMessage =
  | ({ kind: 'call'; id: number } & SandboxCall)
  | { kind: 'done'; ok: true; value: unknown }
  | { kind: 'done'; ok: false; error: SerializedError };

/** An error as it crosses: enough for the executor's failure policy (TaskFailure is tested by shape). */
export interface SerializedError {
  name: string;
  message: string;
  code?: string;
  retryable?: boolean;
  stack?: string;
}

export function serializeError(err: unknown): SerializedError {
  if (typeof err !== 'object' || err === null) return { name: 'Error', message: String(err) };
  const e = err as Partial<SerializedError>;
  return {
    name: typeof e.name === 'string' ? e.name : 'Error',
    message: typeof e.message === 'string' ? e.message : String(err),
    ...(typeof e.code === 'string' ? { code: e.code } : {}),
    ...(typeof e.retryable === 'boolean' ? { retryable: e.retryable } : {}),
    ...(typeof e.stack === 'string' ? { stack: e.stack } : {}),
  };
}

export function deserializeError(s: SerializedError): Error {
  const err = new Error(s.message);
  err.name = s.name;
  if (s.stack) err.stack = s.stack;
  if (s.code !== undefined) Object.assign(err, { code: s.code });
  if (s.retryable !== undefined) Object.assign(err, { retryable: s.retryable });
  return err;
}

/** A value as JSON would store it (a task result, log data): drops what cannot be cloned, such as functions. */
export function asJsonValue(v: unknown): unknown {
  return v === undefined ? undefined : JSON.parse(JSON.stringify(v) ?? 'null');
}
