// `npm run infra -- up [dev|test]`, `status [dev|test]` or `down [dev|test]`: the local
// servers by hand. `up` leaves them running; `down` stops only what this tool started.
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { cachePath, describe, ensureInfrastructure, InfraUnavailableError, type InfraProfile } from '@loom/dev-infra';

async function main(): Promise<void> {
  const [command = 'status', profileArg = 'dev'] = process.argv.slice(2);
  if (profileArg !== 'dev' && profileArg !== 'test') throw new InfraUnavailableError(`unknown profile "${profileArg}": use dev or test`);
  const profile: InfraProfile = profileArg;
  if (command === 'up' || command === 'status') {
    // Zipkin too (the test profile's is the one the trace tests use); LOOM_ZIPKIN=off leaves it out.
    const infra = await ensureInfrastructure(profile, { zipkin: true });
    console.log(`[loom] ${profile} servers:\n${describe(infra.servers)}`);
    for (const [k, v] of Object.entries(infra.env)) console.log(`${k}=${v}`);
    return;
  }
  if (command === 'down') {
    const file = cachePath('infra', `started-${profile}.json`);
    const started: Record<string, number> = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
    for (const [name, pid] of Object.entries(started)) {
      if (name === 'rabbitmq') spawnSync('rabbitmqctl', ['stop'], { stdio: 'ignore' });
      else {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          /* already gone */
        }
      }
      console.log(`[loom] stopped ${name} (pid ${pid})`);
    }
    fs.writeFileSync(file, '{}');
    return;
  }
  throw new InfraUnavailableError(`unknown command "${command}": use up, status or down`);
}

main().catch((err) => {
  console.error(err instanceof InfraUnavailableError ? `[loom] ${err.message}` : err);
  process.exit(1);
});
