// How the runner waits for a handler once its AbortSignal fired (cancel, timeout, lost lease,
// shutdown): up to the type's abortGraceMs, so a handler that stops properly finishes its
// clean-up (a provider handler's cancel call) before the task's status is written. One that
// ignores the signal is abandoned after the grace: it keeps running in the executor's event
// loop, fenced (its later writes are dropped), while the type moves on. A handler that ends
// itself (sandboxed: its thread or process is ended after the grace) is awaited to the end.
// Once the signal fired the outcome is the abort, whatever the handler returned meanwhile.
// A lost lease gets no grace: another executor may run the task already.
import type { TaskHandler } from '@loom/handlers';
import { abortKindOf } from './abort-reasons';

/** The grace a run gets once its signal fired: none when its lease is lost. */
export function stopGraceMs(signal: AbortSignal, graceMs: number): number {
  return abortKindOf(signal) === 'lease_lost' ? 0 : graceMs;
}

export async function awaitHandler<T>(handler: Pick<TaskHandler, 'settlesOnAbort'>, running: Promise<T>, signal: AbortSignal, graceMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    if (handler.settlesOnAbort) await running;
    else {
      const abandoned = new Promise<never>((_, reject) => {
        onAbort = () => (timer = setTimeout(() => reject(signal.reason), stopGraceMs(signal, graceMs)));
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      });
      await Promise.race([running, abandoned]);
    }
  } catch (err) {
    if (!signal.aborted) throw err;
  } finally {
    clearTimeout(timer);
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
  if (signal.aborted) throw signal.reason;
  return running;
}
