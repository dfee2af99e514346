// How the runner waits for a handler once its signal fired: the grace, the abandon, and a
// handler that ends itself (sandboxed) awaited to its end.
import { TaskAborted } from './abort-reasons';
import { awaitHandler } from './stop-grace';

const inline = { settlesOnAbort: false };
const sandboxed = { settlesOnAbort: true };
const never = () => new Promise<never>(() => undefined);

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('awaitHandler', () => {
  it('returns what a handler returns when no signal fired, and passes its error on', async () => {
    const signal = new AbortController().signal;
    await expect(awaitHandler(inline, Promise.resolve(42), signal, 10)).resolves.toBe(42);
    await expect(awaitHandler(inline, Promise.reject(new Error('boom')), signal, 10)).rejects.toThrow('boom');
  });

  it('abandons a handler that ignores the signal once the grace is over: the abort is the outcome', async () => {
    const abort = new AbortController();
    const waiting = awaitHandler(inline, never(), abort.signal, 20);
    abort.abort(new TaskAborted('timeout'));
    await expect(waiting).rejects.toMatchObject({ name: 'TaskAborted', kind: 'timeout' });
  });

  it('waits within the grace for a handler that is stopping (a provider cancel call), and the abort stays the outcome', async () => {
    const abort = new AbortController();
    const cleanup = deferred<string>();
    let settled = false;
    const waiting = awaitHandler(inline, cleanup.promise, abort.signal, 60_000).finally(() => (settled = true));
    abort.abort(new TaskAborted('cancelled'));
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toBe(false); // still cleaning up, well inside its grace
    cleanup.resolve('finished anyway');
    await expect(waiting).rejects.toMatchObject({ kind: 'cancelled' });
  });

  it('awaits a handler that ends itself (sandboxed) to its end, past any grace', async () => {
    const abort = new AbortController();
    const ended = deferred<never>();
    let settled = false;
    const waiting = awaitHandler(sandboxed, ended.promise, abort.signal, 0).finally(() => (settled = true));
    abort.abort(new TaskAborted('cancelled'));
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toBe(false);
    ended.reject(new TaskAborted('cancelled'));
    await expect(waiting).rejects.toMatchObject({ kind: 'cancelled' });
  });

  it('gives a run whose lease is lost no grace: another executor may run the task already', async () => {
    const abort = new AbortController();
    const waiting = awaitHandler(inline, never(), abort.signal, 60_000);
    abort.abort(new TaskAborted('lease_lost'));
    await expect(waiting).rejects.toMatchObject({ kind: 'lease_lost' });
  });

  it('an already aborted signal starts the grace at once', async () => {
    const abort = new AbortController();
    abort.abort(new TaskAborted('shutdown'));
    await expect(awaitHandler(inline, never(), abort.signal, 0)).rejects.toMatchObject({ kind: 'shutdown' });
  });
});
