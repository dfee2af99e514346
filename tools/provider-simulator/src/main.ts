// The simulator as a process: `node --import tsx tools/provider-simulator/src/main.ts`.
// Options come from SIM_* variables (see options.ts / README); SIGINT or SIGTERM stops it.
import { optionsFromEnv } from './options';
import { startSimulator } from './simulator';

async function main(): Promise<void> {
  const sim = await startSimulator(optionsFromEnv(process.env));
  process.stdout.write(`provider-simulator listening on ${sim.url}\n`);
  const stop = () => {
    sim.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`provider-simulator: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
