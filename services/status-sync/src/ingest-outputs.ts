// Copying a finished provider job's outputs into storage: each output streamed from the
// provider's URL (under the provider's fetch policy) into the bucket at tenant/task/index,
// with its size, content type and sha256, under an ingest claim that a crash lets lapse.
import { randomUUID } from 'node:crypto';
import type { ProviderPolicy } from '@loom/config';
import type { ProviderOutput } from '@loom/providers';
import { fetchOutput, outputKey, storedContentType, type ObjectStorage } from '@loom/storage';
import type { Store, TaskRecord } from '@loom/store';
import { inUploadSpan, type Logger } from '@loom/telemetry';

export interface StoredOutput {
  index: number;
  key: string;
  size: number;
  contentType: string;
  sha256: string;
}

const EXT: Record<string, string> = { 'video/mp4': '.mp4', 'image/png': '.png', 'image/jpeg': '.jpg', 'image/webp': '.webp', 'audio/mpeg': '.mp3', 'application/json': '.json' };

export type IngestOutcome = 'succeeded' | 'failed' | 'not_ours' | 'retry_later';

export async function ingestOutputs(
  deps: { store: Store; storage: ObjectStorage; logger: Logger; instanceId: string; ingestLeaseMs: number },
  task: TaskRecord,
  outputs: ProviderOutput[],
  policy: ProviderPolicy,
): Promise<IngestOutcome> {
  const { store, storage } = deps;
  const token = randomUUID();
  const claimed = await store.tasks.beginIngest(task._id, task.externalId!, {
    owner: deps.instanceId,
    token,
    expiresAt: new Date(Date.now() + deps.ingestLeaseMs),
  });
  if (!claimed) return 'not_ours';
  const renew = setInterval(() => void store.tasks.renewIngest(task._id, token, deps.ingestLeaseMs).catch(() => undefined), deps.ingestLeaseMs / 3);
  try {
    const stored: StoredOutput[] = [];
    for (const [index, out] of outputs.entries()) {
      const fetched = await fetchOutput(out.url, policy.outputs);
      // The provider's or the URL's claim, kept only when it is a media type outputs may be.
      const contentType = storedContentType(out.contentType ?? fetched.contentType, policy.outputs.contentTypes);
      const key = outputKey(task.tenantId, task._id, index, EXT[contentType] ?? '');
      const obj = await inUploadSpan({ taskId: task._id, key }, () => storage.uploadStream(key, fetched.body, { contentType, maxBytes: policy.outputs.maxBytes }));
      stored.push({ index, key: obj.key, size: obj.size, contentType: obj.contentType, sha256: obj.sha256 });
    }
    const done = await store.tasks.finishIngest(task._id, token, stored, { outputs: stored.length });
    return done ? 'succeeded' : 'not_ours';
  } catch (err) {
    const e = err as Error & { code?: string; retryable?: boolean };
    if (e.retryable === false) {
      deps.logger.warn({ taskId: task._id, err: e.message }, 'outputs cannot be copied; failing the task');
      await store.tasks.providerFailed(task._id, task.externalId!, { code: e.code ?? 'OUTPUT_FETCH_FAILED', message: e.message, retryable: false }, token);
      return 'failed';
    }
    // Transient: the claim lapses and the next round copies again (keys are stable: a
    // half-written upload is simply overwritten).
    deps.logger.warn({ taskId: task._id, err: e.message }, 'copying outputs failed; will retry');
    await store.tasks.renewIngest(task._id, token, -1).catch(() => undefined); // let the next round take it at once
    return 'retry_later';
  } finally {
    clearInterval(renew);
  }
}
