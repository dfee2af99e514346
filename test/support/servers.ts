// What integration tests need to reach the real servers that global setup provided, and
// names that keep each test's queues, databases and keys apart.
import crypto from 'node:crypto';

export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the integration tests through \`npm test\``);
  return value;
}

export const servers = {
  get amqpUrl() {
    return requireEnv('AMQP_URL');
  },
  get mongoUrl() {
    return requireEnv('MONGO_URL');
  },
  get s3() {
    return {
      endpoint: requireEnv('S3_ENDPOINT'),
      region: requireEnv('S3_REGION'),
      bucket: requireEnv('S3_BUCKET'),
      accessKeyId: requireEnv('S3_ACCESS_KEY_ID'),
      secretAccessKey: requireEnv('S3_SECRET_ACCESS_KEY'),
    };
  },
};

export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${crypto.randomBytes(3).toString('hex')}`;
}

/** A database URL on the test server with a database of this test's own. */
export function mongoUrlFor(dbName: string): string {
  const url = new URL(servers.mongoUrl);
  url.pathname = `/${dbName}`;
  return url.toString();
}

/** Removes a test namespace's durable exchanges and dead-letter queue (best effort). */
export async function deleteNamespaceTopology(ns: string, queues: string[] = []): Promise<void> {
  const amqp = await import('amqplib');
  const conn = await amqp.connect(servers.amqpUrl);
  try {
    const ch = await conn.createChannel();
    ch.on('error', () => undefined);
    for (const q of [`${ns}.dead`, ...queues]) await ch.deleteQueue(q).catch(() => undefined);
    for (const e of ['events', 'work', 'dlx']) await ch.deleteExchange(`${ns}.${e}`).catch(() => undefined);
    await ch.close().catch(() => undefined);
  } finally {
    await conn.close().catch(() => undefined);
  }
}
