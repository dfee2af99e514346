// Builds the task center page (services/gateway/web/src, Preact) with esbuild into one folder:
// index.html, main.js and main.css. Run by `npm start`, the test global setup and `npm run build`
// (the container image); the output is build output, never committed. The JavaScript must stay
// under MAX_GZIP_BYTES gzipped: the build fails past it, so a heavy dependency cannot sneak in.
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { defaultWebOutDir, webSourceDir } from './paths';

export { defaultWebOutDir, webSourceDir };
export const MAX_GZIP_BYTES = 150 * 1024;

export interface WebBuild {
  outdir: string;
  jsBytes: number;
  jsGzipBytes: number;
  cssBytes: number;
}

const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Loom task center</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/app/main.css">
<script type="module" src="/app/main.js"></script>
</head>
<body>
<div id="root"><noscript>The Loom task center needs JavaScript.</noscript></div>
</body>
</html>
`;

export async function buildWeb(opts: { outdir?: string; minify?: boolean } = {}): Promise<WebBuild> {
  const outdir = opts.outdir ?? defaultWebOutDir;
  const tmp = `${outdir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  await build({
    entryPoints: { main: path.join(webSourceDir, 'src', 'main.tsx') },
    outdir: tmp,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: opts.minify ?? true,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
    absWorkingDir: webSourceDir,
  });
  fs.writeFileSync(path.join(tmp, 'index.html'), INDEX_HTML);
  const js = fs.readFileSync(path.join(tmp, 'main.js'));
  const result = { outdir, jsBytes: js.length, jsGzipBytes: gzipSync(js).length, cssBytes: fs.statSync(path.join(tmp, 'main.css')).size };
  if (result.jsGzipBytes > MAX_GZIP_BYTES) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw new Error(`the task center's JavaScript is ${result.jsGzipBytes} bytes gzipped, over the ${MAX_GZIP_BYTES} limit`);
  }
  // Swapped in whole: a gateway serving the old build never sees half a new one.
  fs.rmSync(outdir, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(outdir), { recursive: true });
  try {
    fs.renameSync(tmp, outdir);
  } catch (err) {
    // Another process (a parallel test run) built the same sources a moment earlier: keep its copy.
    fs.rmSync(tmp, { recursive: true, force: true });
    if (!fs.existsSync(path.join(outdir, 'index.html'))) throw err;
  }
  return result;
}

/** Newest modification time of the page's sources. */
function newestSource(dir = webSourceDir): number {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds the page when its output is missing or older than a source file; reuses it otherwise. */
export async function ensureWebBuilt(outdir = defaultWebOutDir): Promise<{ built: boolean; outdir: string }> {
  const js = path.join(outdir, 'main.js');
  if (fs.existsSync(js) && fs.existsSync(path.join(outdir, 'index.html')) && fs.statSync(js).mtimeMs >= newestSource()) return { built: false, outdir };
  await buildWeb({ outdir });
  return { built: true, outdir };
}
