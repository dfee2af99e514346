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
