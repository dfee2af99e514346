// Two projects: `unit` (pure code, no servers) and `integration` (real RabbitMQ, MongoDB-
// compatible server and S3 server, brought up once by global setup). TypeScript goes through
// SWC, which does no type checking (`npm run typecheck` does), so warm runs are dominated by
// the servers, not by compilation.
/** @type {import('jest').Config['transform']} */
const transform = {
  '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      roots: ['<rootDir>/libs', '<rootDir>/services', '<rootDir>/clients', '<rootDir>/bench'],
      testMatch: ['**/*.test.ts'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform,
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.test.ts'],
      globalSetup: '<rootDir>/test/setup/global-setup.ts',
    },
  ],
  // A global option (ignored inside a project): end-to-end tests start processes and wait
  // for tasks; their own waits carry tighter limits with a message saying what was awaited.
  testTimeout: 120_000,
};
