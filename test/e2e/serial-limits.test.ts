// Serial per type against consumer_timeout (libs/messaging/src/serial-per-type.ts), through a
// real executor process: the prefetch (and work bundle size) of each type is derived from the broker's consumer_timeout
// and the type's longest allowed timeout, and an executor refuses to start, naming the type, when
// a timeout the type allows could outlive consumer_timeout after a takeover. (The takeover itself:
// executor-failover.test.ts.)
import amqp from 'amqplib';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cachePath, startServiceProcess } from '@loom/dev-infra';
import { deleteNamespaceTopology, mongoUrlFor, servers, uniqueName } from '../support/servers';
import { until } from '../support/until';

function envFor(ns: string, types: Record<string, unknown>, extra: Record<string, string>) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loom-limits-'));
  const typesFile = path.join(dir, 'task-types.json');
  fs.writeFileSync(typesFile, JSON.stringify({ types }));
  return {
    dir,
    env: {
      AMQP_URL: servers.amqpUrl,
      MONGO_URL: mongoUrlFor(ns),
      LOOM_NAMESPACE: ns,
      LOOM_TASK_TYPES_FILE: typesFile,
      HEALTH_PORT: '0',
      LEASE_MS: '2000',
      HEARTBEAT_MS: '400',
      LOG_LEVEL: 'info',
      ...extra,
    },
  };
}

describe('serial per type: limits derived from consumer_timeout', () => {
  it('prefetches by the type (one delivery for a long type, several for a short one) and dead-letters an unreadable task.run', async () => {
    const ns = uniqueName('limits-ok');
    // consumer_timeout 60 s; a takeover adds 2000 + 2 × 400 = 2800 ms; a timed-out run its abortGraceMs (default 5000).
    const { dir, env } = envFor(ns, { 'lim.short': { handler: 'sleep', timeoutMs: 10_000, maxTimeoutMs: 10_000, abortGraceMs: 2_000 }, 'lim.long': { handler: 'sleep', timeoutMs: 40_000, maxTimeoutMs: 40_000 } }, { CONSUMER_TIMEOUT_MS: '60000' });
    const logFile = cachePath('test-logs', ns, 'executor.log');
    const p = await startServiceProcess('executor', { env, label: 'executor', logFile });
    try {
      // The log file is written through a stream: wait for the line rather than race it.
      const line = await until('the executor to say what it consumes', () =>
        fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n').find((l) => l.includes('consuming work queues')) : undefined,
      );
      // Tasks held at most: floor(60000 / (10000 + 2000 + 2800)) = 4; floor(60000 / (40000 + 5000 + 2800)) = 1.
      // The short type's 4 are 2 broker messages (prefetch) of up to 2 bundled task.runs each.
      const logged = JSON.parse(line) as { prefetch: Record<string, number>; bundle: Record<string, number> };
      expect({ prefetch: logged.prefetch, bundle: logged.bundle }).toEqual({ prefetch: { 'lim.short': 2, 'lim.long': 1 }, bundle: { 'lim.short': 2, 'lim.long': 1 } });

      // A task.run nobody can read goes to the dead-letter queue with the reason, not acked away.
      const conn = await amqp.connect(servers.amqpUrl);
      try {
        const ch = await conn.createChannel();
        const dead: Record<string, unknown>[] = [];
        await ch.consume(`${ns}.dead`, (m) => {
          if (m) dead.push((m.properties.headers ?? {}) as Record<string, unknown>);
        }, { noAck: true });
        ch.publish(`${ns}.work`, 'lim.short', Buffer.from('{"name":"task.run","version":1}'), { persistent: true });
        const headers = await until('the poison task.run in the dead-letter queue', () => dead[0]);
        expect(String(headers['x-loom-dead-reason'])).toMatch(/^unreadable task.run: /);
        expect(headers['x-loom-dead-queue']).toBe(`${ns}.work.lim.short`);
      } finally {
        await conn.close();
      }
    } finally {
      await p.stop();
      await deleteNamespaceTopology(ns, [`${ns}.work.lim.short`, `${ns}.work.lim.long`]);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to start when a type allows a timeout that could outlive consumer_timeout after a takeover', async () => {
    const ns = uniqueName('limits-bad');
    const { dir, env } = envFor(ns, { 'lim.toolong': { handler: 'sleep', timeoutMs: 10_000, maxTimeoutMs: 58_000 } }, { CONSUMER_TIMEOUT_MS: '60000' });
    const logFile = cachePath('test-logs', ns, 'executor.log');
    try {
      await expect(startServiceProcess('executor', { env, label: 'executor', logFile, readyTimeoutMs: 60_000 })).rejects.toThrow(/exited with code 1 while starting/);
      const log = await until('the refusal in the log', () => (fs.readFileSync(logFile, 'utf8').includes('lim.toolong') ? fs.readFileSync(logFile, 'utf8') : undefined));
      expect(log).toContain("task type lim.toolong: maxTimeoutMs 58000 plus abortGraceMs 5000 plus a takeover's 2800 ms exceeds the broker's consumer_timeout");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
