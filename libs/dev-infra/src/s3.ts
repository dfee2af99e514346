// S3 for local runs and tests: S3_ENDPOINT (+ keys) when set, else an s3rver already listening
// on the profile's port, else a new s3rver (npm) in the background. The bucket is created.
import path from 'node:path';
import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { InfraUnavailableError } from './errors';
import { cachePath, repoRoot } from './paths';
import { isAlive, portOpen, startDetached, tailOf, waitUntil } from './processes';
import type { InfraProfile, ProvidedServer } from './types';

export const s3Ports: Record<InfraProfile, number> = { dev: 4568, test: 4569 };
/** s3rver's fixed credentials; any S3 server of your own is configured through the S3_* variables. */
export const S3RVER_KEYS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface S3Settings {
  endpoint: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
}

function client(s: S3Settings): S3Client {
  return new S3Client({
    endpoint: s.endpoint,
    region: s.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey },
    maxAttempts: 1,
  });
}

async function bucketReady(s: S3Settings, create: boolean): Promise<boolean> {
  const c = client(s);
  try {
    await c.send(new HeadBucketCommand({ Bucket: s.bucket }));
    return true;
  } catch {
    if (!create) return false;
    try {
      await c.send(new CreateBucketCommand({ Bucket: s.bucket }));
      return true;
    } catch {
      return false;
    }
  } finally {
    c.destroy();
  }
}

export async function ensureS3(profile: InfraProfile): Promise<ProvidedServer & { settings: S3Settings }> {
  const bucket = process.env.S3_BUCKET ?? 'loom-outputs';
  const region = process.env.S3_REGION ?? 'auto';
  const configured = process.env.S3_ENDPOINT;
  if (configured) {
    const settings = {
      endpoint: configured,
      region,
      bucket,
      accessKeyId: process.env.S3_ACCESS_KEY_ID ?? '',
      secretAccessKey: process.env.S3_SECRET_ACCESS_KEY ?? '',
    };
    if (!(await bucketReady(settings, true))) {
      throw new InfraUnavailableError(
        `The S3 server at S3_ENDPOINT (${configured}) refused bucket ${bucket}; check S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY and S3_BUCKET, or unset S3_ENDPOINT to use the embedded s3rver.`,
      );
    }
    return { name: 's3', url: configured, origin: 'configured', settings };
  }

  const port = s3Ports[profile];
  const endpoint = `http://127.0.0.1:${port}`;
  const settings = { endpoint, region, bucket, ...S3RVER_KEYS };
  if (await portOpen('127.0.0.1', port)) {
    if (await bucketReady(settings, true)) return { name: 's3', url: endpoint, origin: 'reused', settings };
    throw new InfraUnavailableError(
      `Port ${port} is taken by something that is not an S3 server; stop it, or set S3_ENDPOINT and its keys (or run \`docker compose up\`).`,
    );
  }

  const logFile = cachePath('infra', `s3-${profile}.log`);
  const directory = path.dirname(cachePath('s3', profile, '.keep'));
  const proc = startDetached(process.execPath, ['--import', 'tsx', path.join(__dirname, 's3-server-main.ts'), String(port), directory, bucket], {
    logFile,
    cwd: repoRoot,
  });
  try {
    await waitUntil('s3rver', () => bucketReady(settings, false), { timeoutMs: 30_000, alive: () => isAlive(proc.pid) });
  } catch (err) {
    throw new InfraUnavailableError(
      `The embedded S3 server did not start (${(err as Error).message}; see ${logFile}: ${tailOf(logFile, 3).replace(/\s+/g, ' ')}); set S3_ENDPOINT and its keys to use another S3 server (or run \`docker compose up\`).`,
    );
  }
  const pid = proc.pid;
  return {
    name: 's3',
    url: endpoint,
    origin: 'started',
    pid,
    logFile,
    settings,
    stop: async () => {
      if (isAlive(pid)) process.kill(pid, 'SIGTERM');
    },
  };
}
