// Task outputs in R2 (any S3-compatible endpoint) through @aws-sdk/client-s3: streamed in with
// multipart uploads (never whole in memory), counted and checksummed on the way, served as
// presigned URLs. The only code that talks to S3.
import { createHash } from 'node:crypto';
import { PassThrough, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { z } from 'zod';

export const storageEnvSchema = z.object({
  S3_ENDPOINT: z.string().url().optional(),
  S3_REGION: z.string().default('auto'),
  S3_BUCKET: z.string().default('loom-outputs'),
  S3_ACCESS_KEY_ID: z.string().default(''),
  S3_SECRET_ACCESS_KEY: z.string().default(''),
  /** Lifetime of presigned download URLs, seconds. */
  S3_PRESIGN_SECONDS: z.coerce.number().int().positive().default(3600),
});

export interface StoredObject {
  key: string;
  size: number;
  contentType: string;
  /** sha256 of the bytes, hex. */
  sha256: string;
}

export class OutputTooLargeError extends Error {
  readonly code = 'OUTPUT_TOO_LARGE';
  readonly retryable = false;
}

export function createObjectStorage(env: NodeJS.ProcessEnv = process.env) {
  const cfg = storageEnvSchema.parse(env);
  const client = new S3Client({
    endpoint: cfg.S3_ENDPOINT,
    region: cfg.S3_REGION,
    forcePathStyle: true,
    credentials: cfg.S3_ACCESS_KEY_ID ? { accessKeyId: cfg.S3_ACCESS_KEY_ID, secretAccessKey: cfg.S3_SECRET_ACCESS_KEY } : undefined,
  });

  return {
    bucket: cfg.S3_BUCKET,

    /**
     * Streams `body` into `key` in 5 MiB parts (S3's smallest; two in flight: ~15 MiB
     * buffered whatever the size), counting and hashing on the way; fails past `maxBytes`.
     */
    async uploadStream(key: string, body: Readable, opts: { contentType: string; maxBytes?: number; signal?: AbortSignal }): Promise<StoredObject> {
      const hash = createHash('sha256');
      let size = 0;
      const max = opts.maxBytes ?? Number.POSITIVE_INFINITY;
      const meter = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          size += chunk.length;
          if (size > max) return cb(new OutputTooLargeError(`output is larger than the ${max}-byte limit`));
          hash.update(chunk);
          cb(null, chunk);
        },
      });
      const out = new PassThrough();
      const upload = new Upload({
        client,
        params: { Bucket: cfg.S3_BUCKET, Key: key, Body: out, ContentType: opts.contentType },
        partSize: 5 * 1024 * 1024,
        queueSize: 2,
        leavePartsOnError: false,
      });
      const onAbort = () => void upload.abort();
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      try {
        await Promise.all([pipeline(body, meter, out, { signal: opts.signal }), upload.done()]);
      } catch (err) {
        await upload.abort().catch(() => undefined);
        throw err;
      } finally {
        opts.signal?.removeEventListener('abort', onAbort);
      }
      return { key, size, contentType: opts.contentType, sha256: hash.digest('hex') };
    },

    async head(key: string): Promise<{ size: number; contentType?: string } | null> {
      try {
        const h = await client.send(new HeadObjectCommand({ Bucket: cfg.S3_BUCKET, Key: key }));
        return { size: h.ContentLength ?? 0, contentType: h.ContentType };
      } catch {
        return null;
      }
    },

    /**
     * A time-limited GET URL for a stored output, answered with Content-Disposition: attachment
     * (signed into the URL, so it cannot be stripped): a browser saves the file, never renders
     * it in the bucket's origin.
     */
    presignGet(key: string, seconds = cfg.S3_PRESIGN_SECONDS): Promise<string> {
      const filename = key.split('/').pop()!.replace(/[^A-Za-z0-9._-]/g, '_');
      const command = new GetObjectCommand({ Bucket: cfg.S3_BUCKET, Key: key, ResponseContentDisposition: `attachment; filename="${filename}"` });
      return getSignedUrl(client, command, { expiresIn: seconds });
    },

    async getStream(key: string): Promise<Readable> {
      const r = await client.send(new GetObjectCommand({ Bucket: cfg.S3_BUCKET, Key: key }));
      return r.Body as Readable;
    },

    close(): void {
      client.destroy();
    },
  };
}

export type ObjectStorage = ReturnType<typeof createObjectStorage>;

/** tenant/task/index: where a task's n-th output lives. */
export function outputKey(tenantId: string, taskId: string, index: number, ext = ''): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');
  return `${safe(tenantId)}/${safe(taskId)}/${index}${ext}`;
}
