// `npm run fuzz`: schemathesis, an outside fuzzer that knows nothing of Loom but its OpenAPI
// document, with every check it has (--checks all), against a whole running system of its
// own (the five services on the real servers, the repository's task types, the provider
// simulator), as a user tenant with credits. Prints schemathesis's own report and exits with
// its code: 0 when it found nothing. Run by scripts/fuzz-openapi.sh, which installs it.
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { cachePath, ensureInfrastructure, repoRoot } from '@loom/dev-infra';
import { simulatorProviderEnv, startSimulator } from '@loom/provider-simulator';
import { ensureWebBuilt } from '../../services/gateway/src/web/bundle';
import { TestSystem } from '../support/system';

/** Fixed, so that a run is repeatable; FUZZ_SEED picks another. */
const SEED = process.env.FUZZ_SEED ?? '20261201';
/** Cases per operation and phase (schemathesis's default is 100). */
const MAX_EXAMPLES = process.env.FUZZ_MAX_EXAMPLES ?? '50';

async function main(): Promise<number> {
  const schemathesis = process.argv[2] && path.resolve(process.argv[2]);
  if (!schemathesis) throw new Error('usage: openapi-fuzz.ts <path of the schemathesis binary> [schemathesis options...]');
  const infra = await ensureInfrastructure('test');
  Object.assign(process.env, infra.env);
  // GET / serves the task center page: built first, as npm start does.
  await ensureWebBuilt();
  const sim = await startSimulator({ jobDurationMs: 500, progressSteps: 2 });
  const types = JSON.parse(fs.readFileSync(path.join(repoRoot, 'config', 'task-types.json'), 'utf8')).types;
  const system = await TestSystem.start('fuzz', {
    types,
    env: { ...simulatorProviderEnv(sim.url), LOOM_PROVIDERS_FILE: path.join(repoRoot, 'config', 'providers.local.json') },
  });
  try {
    // Enough credits that a valid priced submission is never refused for its price (402).
    await system.operator.grant(system.tenantId, 100_000_000, 'fuzz run');
    const reportDir = cachePath('fuzz');
    fs.mkdirSync(reportDir, { recursive: true });
    const args = [
      '--config-file',
      path.join(__dirname, 'schemathesis.toml'),
      'run',
      `${system.gatewayUrl}/v1/openapi.json`,
      '--checks',
      'all',
      '--seed',
      SEED,
      '--max-examples',
      MAX_EXAMPLES,
      '--workers',
      '2',
      '--report',
      'junit',
      '--report-dir',
      reportDir,
      ...process.argv.slice(3),
    ];
    console.log(`[loom] schemathesis ${args.join(' ')}`);
    const env = { ...process.env, LOOM_FUZZ_USER_KEY: system.apiKey, LOOM_FUZZ_OPERATOR_KEY: system.operatorKey };
    // Run from the report folder: schemathesis keeps its own cache (.schemathesis/) in its working directory.
    const child = spawn(schemathesis, args, { stdio: 'inherit', env, cwd: reportDir });
    return await new Promise<number>((resolve) => {
      child.once('error', (err) => {
        console.error(`[loom] fuzz: cannot run ${schemathesis}: ${err.message}`);
        resolve(1);
      });
      child.once('exit', (code) => resolve(code ?? 1));
    });
  } finally {
    await system.stop().catch((err) => console.error(`[loom] stopping the fuzz system: ${err instanceof Error ? err.message : err}`));
    await sim.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`[loom] fuzz: ${err instanceof Error ? err.stack : err}`);
    process.exit(1);
  },
);
