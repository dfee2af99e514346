// The task center bundle: it builds, its JavaScript stays under the gzipped budget, and nothing
// in it points at another host (no CDN, no outside fonts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildWeb, MAX_GZIP_BYTES } from './bundle';

describe('task center bundle', () => {
  const outdir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'loom-web-')), 'web');
  afterAll(() => fs.rmSync(path.dirname(outdir), { recursive: true, force: true }));

  it(`builds index.html, main.js and main.css with under ${MAX_GZIP_BYTES} bytes of gzipped JavaScript`, async () => {
    const r = await buildWeb({ outdir });
    expect(fs.readdirSync(outdir).sort()).toEqual(['index.html', 'main.css', 'main.js']);
    expect(r.jsGzipBytes).toBeGreaterThan(1000);
    expect(r.jsGzipBytes).toBeLessThan(MAX_GZIP_BYTES);
    const html = fs.readFileSync(path.join(outdir, 'index.html'), 'utf8');
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(refs.sort()).toEqual(['/app/main.css', '/app/main.js', 'data:,'].sort());
    for (const f of ['main.js', 'main.css', 'index.html']) {
      const text = fs.readFileSync(path.join(outdir, f), 'utf8');
      // Namespace URIs (SVG's xmlns) are names, not requests.
      const urls = (text.match(/https?:\/\/[^\s"'`)]+/g) ?? []).filter((u) => !u.startsWith('http://www.w3.org/'));
      expect({ file: f, urls }).toEqual({ file: f, urls: [] });
    }
  });
});
