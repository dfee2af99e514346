// Chromium for the browser tests: CHROMIUM_PATH when set, else Debian's `chromium` package
// (installed with apt-get when missing and we are root, as RabbitMQ is). Playwright's and
// Puppeteer's own browser downloads cannot work here, so tests drive this binary through
// `executablePath`, headless, with the flags that keep it from calling home.
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { InfraUnavailableError } from './errors';
import { commandExists } from './processes';

/** Flags for a quiet headless run in a container: no sandbox (root), no GPU, no background traffic. */
export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

function install(): void {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const run = () => spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { env, stdio: 'inherit' });
  if (run().status === 0) return;
  spawnSync('apt-get', ['update'], { env, stdio: 'inherit' });
  if (run().status !== 0) {
    throw new InfraUnavailableError('Chromium is missing and `apt-get install chromium` failed; install it by hand, or set CHROMIUM_PATH to a Chromium or Chrome binary.');
  }
}

/** The path of a Chromium binary, installing Debian's package when none is there. Idempotent. */
export function ensureChromium(): string {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) {
    if (!fs.existsSync(configured)) throw new InfraUnavailableError(`CHROMIUM_PATH (${configured}) does not exist; point it at a Chromium binary or unset it.`);
    return configured;
  }
  const found = commandExists('chromium') || (fs.existsSync('/usr/bin/chromium') && '/usr/bin/chromium');
  if (found) return found;
  if (process.getuid?.() !== 0) {
    throw new InfraUnavailableError('Chromium is not installed and this user cannot install it; run `sudo apt-get install chromium`, or set CHROMIUM_PATH.');
  }
  install();
  return '/usr/bin/chromium';
}
