// Output files: bytes generated from (seed, job id, index) with AES-256-CTR over zeros, so any
// size streams at memory speed, never held whole, and a test can compute the expected sha256
// without the file.
import { createCipheriv, createHash } from 'node:crypto';
import { Readable } from 'node:stream';

const CHUNK = 64 * 1024;
const ZEROS = Buffer.alloc(CHUNK);

function keystream(seed: string, jobId: string, index: number) {
  const key = createHash('sha256').update(`${seed}\0${jobId}\0${index}`).digest();
  return createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
}

/** The file's bytes as a stream that respects backpressure. */
export function outputFileStream(seed: string, jobId: string, index: number, size: number): Readable {
  const cipher = keystream(seed, jobId, index);
  let left = size;
  return new Readable({
    read() {
      while (left > 0) {
        const n = Math.min(left, CHUNK);
        left -= n;
        if (!this.push(cipher.update(n === CHUNK ? ZEROS : ZEROS.subarray(0, n)))) return;
      }
      this.push(null);
    },
  });
}

/** sha256 (hex) of output `index` of job `jobId` at `size` bytes, computed chunk by chunk. */
export function expectedSha256(jobId: string, index: number, size: number, seed = 'loom-sim'): string {
  const cipher = keystream(seed, jobId, index);
  const hash = createHash('sha256');
  for (let left = size; left > 0; left -= CHUNK) {
    const n = Math.min(left, CHUNK);
    hash.update(cipher.update(n === CHUNK ? ZEROS : ZEROS.subarray(0, n)));
  }
  return hash.digest('hex');
}

/** The same, without blocking the event loop (for the /sha256 endpoint). */
export async function sha256OfStream(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
