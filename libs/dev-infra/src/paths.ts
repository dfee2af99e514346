// Where the project lives and where the local servers keep their files (all under the
// ignored .cache/ folder, so a fresh clone starts clean and `git status` stays quiet).
import fs from 'node:fs';
import path from 'node:path';

function findRepoRoot(start: string): string {
  let dir = start;
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && JSON.parse(fs.readFileSync(manifest, 'utf8')).workspaces) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no workspace root above ${start}`);
    dir = parent;
  }
}

export const repoRoot = findRepoRoot(__dirname);
export const cacheDir = path.join(repoRoot, '.cache');

export function cachePath(...parts: string[]): string {
  const p = path.join(cacheDir, ...parts);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  return p;
}
