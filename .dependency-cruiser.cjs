// Layer rules that matter, checked in `npm test` (test/deploy/dependency-rules.test.ts), not by
// memory (STYLE.md 15). A rule broken here fails the build with the import that broke it.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'only-messaging-imports-amqplib',
      comment: 'Services see the typed bus port (libs/messaging); only the messaging lib knows RabbitMQ.',
      severity: 'error',
      from: { path: '^(services|libs)/', pathNot: '^libs/messaging/' },
      to: { path: '(^|/)node_modules/amqplib/|^amqplib$' },
    },
    {
      name: 'services-do-not-import-each-other',
      comment: 'Services share nothing but libs/, RabbitMQ and MongoDB.',
      severity: 'error',
      from: { path: '^services/([^/]+)/' },
      to: { path: '^services/', pathNot: '^services/$1/' },
    },
    {
      name: 'libs-do-not-import-services',
      comment: 'A lib is shared code; it cannot depend on one service.',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^services/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)node_modules/|\\.cache/|/web/dist/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.tsx', '.js', '.cjs', '.mjs', '.json'] },
  },
};
