// Serves the task center page: GET / answers index.html and /app/* its script and styles, from
// the folder bundle.ts builds. Everything is same-origin (no CDN, no outside fonts), and the
// Content-Security-Policy says so to the browser; only media previews of task outputs may come
// from the storage's presigned URLs, which live on another host.
import fs from 'node:fs';
import path from 'node:path';
import express, { Router, type Response } from 'express';
import { defaultWebOutDir } from './paths';

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data: blob: http: https:",
  "media-src 'self' blob: http: https:",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** The built page's folder: beside the bundle in a container (dist/web next to dist/gateway.js), dist/web of the repository from source. */
export function resolveWebDir(): string | undefined {
  return [path.join(__dirname, 'web'), defaultWebOutDir].find((d) => fs.existsSync(path.join(d, 'index.html')));
}

function secure(res: Response): void {
  res.setHeader('Content-Security-Policy', CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
}

export function webRouter(dir: string | undefined = resolveWebDir()): Router {
  const r = Router();
  r.get('/', (_req, res) => {
    secure(res);
    if (!dir) {
      res.status(503).type('text/plain').send('The task center page is not built: run `npm start` or `npm run build`.');
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(path.join(dir, 'index.html'));
  });
  if (dir) {
    // Revalidated on every load (ETag): the names are not hashed, so a new build is seen at once.
    r.use('/app', (_req, res, next) => (secure(res), next()), express.static(dir, { index: false, cacheControl: true, maxAge: 0, fallthrough: true }));
  }
  return r;
}
