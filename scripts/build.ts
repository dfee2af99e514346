// `npm run build`: bundles each service's entry (services/<name>/src/main.ts) into
// dist/<name>.js for the container image, the executor's sandbox entry into
// dist/executor-sandbox.js, and the provider simulator into dist/provider-simulator.js. Our own
// libs (TypeScript sources behind the @loom/* workspace links) are bundled in; every npm package
// stays external and is loaded from node_modules at run time, so OpenTelemetry's
// auto-instrumentation can still patch express and node:http as they are required, and packages
// with optional or native parts resolve as usual.
import fs from 'node:fs';
import path from 'node:path';
import { build, type Plugin } from 'esbuild';
import { buildWeb } from '../services/gateway/src/web/bundle';

const root = path.resolve(__dirname, '..');
const outdir = path.join(root, 'dist');

/** Bare imports other than @loom/* are external. */
const npmPackagesExternal: Plugin = {
  name: 'npm-packages-external',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('@loom/') || args.path.startsWith('node:')) return undefined;
      return { path: args.path, external: true };
    });
  },
};

/** Every entry: services/<name>/src/main.ts, the executor's sandbox, and the provider simulator (compose's stand-in for providers). */
function entries(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of fs.readdirSync(path.join(root, 'services'))) {
    const main = path.join(root, 'services', s, 'src', 'main.ts');
    if (fs.existsSync(main)) out[s] = main;
  }
  // The executor starts it in a worker thread or child process for sandboxed types
  // (services/executor/src/sandbox/sandbox-spawn.ts looks for it beside dist/executor.js).
  const sandbox = path.join(root, 'services', 'executor', 'src', 'sandbox', 'sandbox-entry.ts');
  if (fs.existsSync(sandbox)) out['executor-sandbox'] = sandbox;
  const simulator = path.join(root, 'tools', 'provider-simulator', 'src', 'main.ts');
  if (fs.existsSync(simulator)) out['provider-simulator'] = simulator;
  return out;
}

export async function buildServices(opts: { outdir?: string } = {}): Promise<string[]> {
  const entryPoints = entries();
  const out = opts.outdir ?? outdir;
  fs.mkdirSync(out, { recursive: true });
  await build({
    entryPoints,
    outdir: out,
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    sourcemap: true,
    keepNames: true,
    logLevel: 'warning',
    plugins: [npmPackagesExternal],
  });
  return Object.keys(entryPoints).map((s) => path.join(out, `${s}.js`));
}

if (require.main === module) {
  Promise.all([buildServices(), buildWeb({ outdir: path.join(outdir, 'web') })]).then(
    ([files, web]) =>
      console.log(`[loom] built ${files.map((f) => path.relative(root, f)).join(', ')} and the task center page (dist/web, ${web.jsGzipBytes} bytes of JavaScript gzipped)`),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
