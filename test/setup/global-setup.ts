// Jest global setup for the integration projects: bring up (or reuse) the real servers and
// hand their addresses to every test worker through the environment.
import { describe, ensureChromium, ensureInfrastructure, ensurePrometheusBinary, InfraUnavailableError, prometheusDisabled, zipkinDisabled, zipkinJar } from '@loom/dev-infra';
import { ensureWebBuilt } from '../../services/gateway/src/web/bundle';

export default async function globalSetup(): Promise<void> {
  try {
    const infra = await ensureInfrastructure('test');
    Object.assign(process.env, infra.env);
    process.env.LOOM_TEST_SERVERS = JSON.stringify(infra.servers.map(({ name, origin }) => ({ name, origin })));
    console.log(`\n[loom] test servers:\n${describe(infra.servers)}`);
    // The browser tests: the task center page the gateways serve, and a Chromium to drive.
    const web = await ensureWebBuilt();
    process.env.CHROMIUM_PATH = ensureChromium();
    console.log(`[loom] task center page ${web.built ? 'built' : 'reused'}; chromium ${process.env.CHROMIUM_PATH}`);
    // The trace tests' dashboards: the slow first fetch and install happen here, where no test
    // timeout applies; test/telemetry starts (or reuses) the servers themselves.
    if (!zipkinDisabled()) zipkinJar();
    if (!prometheusDisabled()) ensurePrometheusBinary();
  } catch (err) {
    if (err instanceof InfraUnavailableError) {
      console.error(`\n[loom] ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
}
