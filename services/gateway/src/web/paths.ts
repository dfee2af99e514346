// Where the task center page's sources and build output live (no esbuild here: the gateway's
// container image imports this and has no build tools).
import path from 'node:path';

export const webSourceDir = path.resolve(__dirname, '..', '..', 'web');
/** The build output when run from source: dist/web at the repository root. */
export const defaultWebOutDir = path.resolve(__dirname, '..', '..', '..', '..', 'dist', 'web');
