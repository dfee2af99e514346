// @aws-sdk/client-s3 and lib-storage against the real S3-compatible server: plain objects and
// a multipart upload of a stream larger than 16 MiB that comes back byte for byte.
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { servers, uniqueName } from '../support/servers';

describe('S3 client against the S3-compatible server', () => {
  const cfg = servers.s3;
  const s3 = new S3Client({
    endpoint: cfg.endpoint,
    region: cfg.region,
    forcePathStyle: true,
    credentials: { accessKeyId: cfg.accessKeyId, secretAccessKey: cfg.secretAccessKey },
  });
  const prefix = uniqueName('infra');
  afterAll(() => s3.destroy());

  it('puts, heads and gets an object', async () => {
    const Key = `${prefix}/hello.txt`;
    await s3.send(new PutObjectCommand({ Bucket: cfg.bucket, Key, Body: 'hello, loom', ContentType: 'text/plain' }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: cfg.bucket, Key }));
    expect(head.ContentLength).toBe(11);
    expect(head.ContentType).toBe('text/plain');
    const got = await s3.send(new GetObjectCommand({ Bucket: cfg.bucket, Key }));
    expect(await got.Body!.transformToString()).toBe('hello, loom');
    await s3.send(new DeleteObjectCommand({ Bucket: cfg.bucket, Key }));
  });

  it('uploads a 20 MiB stream in parts and reads back identical bytes', async () => {
    const Key = `${prefix}/big.bin`;
    const size = 20 * 1024 * 1024;
    const chunk = 1024 * 1024;
    const sent = crypto.createHash('sha256');
    let produced = 0;
    // A generated stream: the whole object is never in memory at once.
    const source = new Readable({
      read() {
        if (produced >= size) return this.push(null);
        const buf = crypto.randomBytes(chunk);
        produced += buf.length;
        sent.update(buf);
        this.push(buf);
      },
    });
    const parts: number[] = [];
    const upload = new Upload({
      client: s3,
      params: { Bucket: cfg.bucket, Key, Body: source, ContentType: 'application/octet-stream' },
      partSize: 5 * 1024 * 1024,
      queueSize: 2,
    });
    upload.on('httpUploadProgress', (p) => p.part && parts.push(p.part));
    await upload.done();
    expect(new Set(parts).size).toBeGreaterThanOrEqual(4);

    const head = await s3.send(new HeadObjectCommand({ Bucket: cfg.bucket, Key }));
    expect(head.ContentLength).toBe(size);
    const got = await s3.send(new GetObjectCommand({ Bucket: cfg.bucket, Key }));
    const received = crypto.createHash('sha256');
    for await (const piece of got.Body as Readable) received.update(piece as Buffer);
    expect(received.digest('hex')).toBe(sent.digest('hex'));
    await s3.send(new DeleteObjectCommand({ Bucket: cfg.bucket, Key }));
  });
});
