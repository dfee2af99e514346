// The layer rules of .dependency-cruiser.cjs hold for the code as it is, and the rules do catch
// what they forbid (checked on a small fixture tree that breaks each one).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const repoRoot = path.resolve(__dirname, '..', '..');
const depcruise = path.join(repoRoot, 'node_modules', '.bin', 'depcruise');

function cruise(cwd: string, config: string, dirs: string[]) {
  const r = spawnSync(depcruise, [...dirs, '--config', config, '--output-type', 'json'], { cwd, encoding: 'utf8', timeout: 120_000 });
  if (!r.stdout) throw new Error(`depcruise printed nothing (status ${r.status}): ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { summary: { violations: { rule: { name: string }; from: string; to: string }[] } };
  return out.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`);
}

describe('dependency rules', () => {
  it('hold for services and libs: only libs/messaging imports amqplib, services never import each other', () => {
    expect(cruise(repoRoot, '.dependency-cruiser.cjs', ['services', 'libs'])).toEqual([]);
  });

  it('catch an import of amqplib outside libs/messaging and a service importing another', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loom-deprules-'));
    try {
      const write = (file: string, text: string) => {
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        fs.writeFileSync(path.join(dir, file), text);
      };
      write('services/alpha/src/main.ts', "import amqp from 'amqplib';\nimport { beta } from '../../beta/src/beta';\nexport const x = [amqp, beta];\n");
      write('services/beta/src/beta.ts', 'export const beta = 1;\n');
      write('libs/messaging/src/bus.ts', "import amqp from 'amqplib';\nexport const bus = amqp;\n");
      // The project's rules, without its tsconfig (the fixture has none).
      const rules = require(path.join(repoRoot, '.dependency-cruiser.cjs')) as { forbidden: unknown[] };
      write('rules.cjs', `module.exports = ${JSON.stringify({ forbidden: rules.forbidden, options: { doNotFollow: { path: 'node_modules' } } })};\n`);
      const violations = cruise(dir, 'rules.cjs', ['services', 'libs']);
      expect(violations).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^only-messaging-imports-amqplib: services\/alpha\/src\/main\.ts -> amqplib/),
          'services-do-not-import-each-other: services/alpha/src/main.ts -> services/beta/src/beta.ts',
        ]),
      );
      expect(violations.some((v) => v.includes('libs/messaging'))).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
