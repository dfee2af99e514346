// The sandbox's side of one handler run (see sandbox-host.ts for the executor's side): waits for
// the `run` message, resolves the handler by name, and gives it a context whose calls are asked
// of the executor over the port. Pure over its port, so a test can wire it to a host in memory.
import type { TaskContext, TaskHandler } from '@loom/handlers';
import { TaskFailure } from '@loom/handlers';
import { TaskAborted } from '../abort-reasons';
import { asJsonValue, deserializeError, serializeError, type HostMessage, type SandboxCall, type SandboxMessage } from './sandbox-protocol';

export interface SandboxPort {
  send(m: SandboxMessage): void;
  onMessage(listener: (m: HostMessage) => void): void;
}

type Output = Awaited<ReturnType<TaskContext<unknown>['writeOutput']>>;

const toBytes = (chunk: unknown): Uint8Array => (typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Uint8Array));

export function startSandboxRuntime(port: SandboxPort, handlers: Record<string, TaskHandler>): void {
  let nextId = 1;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  const abort = new AbortController();
  let started = false;

  function call(c: SandboxCall): { id: number; reply: Promise<unknown> } {
    const id = nextId++;
    const reply = new Promise<unknown>((resolve, reject) => pending.set(id, { resolve, reject }));
    port.send({ kind: 'call', id, ...c });
    return { id, reply };
  }

  port.onMessage((m) => {
    if (m.kind === 'run') {
      if (!started) void run(m);
      started = true;
    } else if (m.kind === 'abort') abort.abort(new TaskAborted(m.reason));
    else if (m.kind === 'reply') {
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (p && m.ok) p.resolve(m.value);
      else if (p && !m.ok) p.reject(deserializeError(m.error));
    }
  });

  async function writeOutput(body: NodeJS.ReadableStream | Buffer | string, contentType: string): Promise<Output> {
    if (typeof body === 'string' || Buffer.isBuffer(body)) return (await call({ method: 'writeOutput', contentType, bytes: toBytes(body) }).reply) as Output;
    // Streamed: one chunk in flight at a time, so the executor's upload paces the handler.
    const whole = call({ method: 'writeOutput', contentType });
    whole.reply.catch(() => undefined); // awaited below; a failed upload must not go unhandled meanwhile
    try {
      for await (const chunk of body as AsyncIterable<Buffer | string>) await call({ method: 'outputChunk', of: whole.id, bytes: toBytes(chunk) }).reply;
    } catch (err) {
      // Our stream broke, or the upload did (then its own error says more).
      await call({ method: 'outputEnd', of: whole.id, error: (err as Error).message }).reply.catch(() => undefined);
      await whole.reply;
      throw err;
    }
    await call({ method: 'outputEnd', of: whole.id }).reply;
    return (await whole.reply) as Output;
  }

  async function run(m: Extract<HostMessage, { kind: 'run' }>): Promise<void> {
    try {
      const handler = handlers[m.handler];
      if (!handler) throw new TaskFailure('NO_HANDLER', `the sandbox knows no handler "${m.handler}"`, false);
      const ctx: TaskContext<unknown> = {
        task: m.task,
        input: m.input,
        externalId: m.externalId,
        signal: abort.signal,
        progress: async (percent, message) => void (await call({ method: 'progress', percent, message }).reply),
        log: async (level, message, data) => void (await call({ method: 'log', level, message, data: asJsonValue(data) }).reply),
        recordExternalJob: async (provider, externalId) => (await call({ method: 'recordExternalJob', provider, externalId }).reply) as boolean,
        writeOutput,
      };
      const value = await handler.run(ctx);
      port.send({ kind: 'done', ok: true, value: asJsonValue(value) });
    } catch (err) {
      port.send({ kind: 'done', ok: false, error: serializeError(err) });
    }
  }
}
