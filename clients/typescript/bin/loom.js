#!/usr/bin/env node
// The `loom` command (src/cli/main.ts), run from its TypeScript source through tsx's loader.
// A reader that stops early (`loom tasks list | head`) closes stdout: that is no error.
process.stdout.on('error', (err) => process.exit(err.code === 'EPIPE' ? 0 : 1));
require('tsx/cjs');
require('../src/cli/main.ts')
  .main(process.argv)
  .then((code) => {
    // Once what was written has been flushed: an idle keep-alive socket must not hold the exit.
    process.stdout.write('', () => process.exit(code));
  });
