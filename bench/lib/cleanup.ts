// Everything the bench starts is registered here, so that it is stopped on every way out: the
// normal end, an error, Ctrl-C or SIGTERM (graceful stops, in reverse order), and, as a last
// resort when the process exits anyway, SIGKILL of every child pid still registered.
type Stopper = () => Promise<unknown>;

const stoppers = new Map<number, { what: string; stop: Stopper }>();
const pids = new Set<number>();
let nextId = 1;
let installed = false;

export function onCleanup(what: string, stop: Stopper): () => void {
  install();
  const id = nextId++;
  stoppers.set(id, { what, stop });
  return () => void stoppers.delete(id);
}

/** A child process to SIGKILL if it is still there when the bench exits. */
export function trackPid(pid: number): () => void {
  install();
  pids.add(pid);
  return () => void pids.delete(pid);
}

export async function cleanupAll(): Promise<void> {
  const all = [...stoppers.entries()].reverse();
  stoppers.clear();
  for (const [, { what, stop }] of all) {
    try {
      await stop();
    } catch (err) {
      console.error(`[bench] stopping ${what}: ${(err as Error).message}`);
    }
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  let signalled = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (signalled) {
      console.error(`[bench] ${sig} again: killing what is left`);
      process.exit(130);
    }
    signalled = true;
    console.error(`[bench] ${sig}: stopping everything the bench started`);
    const force = setTimeout(() => process.exit(130), 60_000);
    void cleanupAll().finally(() => {
      clearTimeout(force);
      process.exit(130);
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', () => {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  });
}
