// Helpers for the provider adapter tests: poll a job to its end, hash a URL while streaming it,
// and a tiny webhook receiver that verifies deliveries through the adapter like the gateway does.
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Provider, ProviderStatus, ProviderWebhookEvent } from '@loom/providers';
import { until } from '../support/until';

export const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

/** `until` with the adapter tests' defaults: 10 s, every 25 ms. */
export function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000, everyMs = 25): Promise<T> {
  return until(what, probe, timeoutMs, everyMs);
}

/** getStatus until the job ends; returns every status seen, the last one terminal. */
export async function pollToEnd(provider: Provider, externalId: string, timeoutMs = 10_000): Promise<ProviderStatus[]> {
  const seen: ProviderStatus[] = [];
  await waitFor(`${provider.name} job ${externalId} to end`, async () => {
    const status = await provider.getStatus(externalId);
    seen.push(status);
    return TERMINAL.has(status.state) ? status : undefined;
  }, timeoutMs, 40);
  return seen;
}

/** sha256 and size of a URL's body, read as a stream (never held whole). */
export async function sha256OfUrl(url: string): Promise<{ sha256: string; size: number; contentType: string | null }> {
  const res = await fetch(url);
  if (!res.ok || !res.body) throw new Error(`GET ${url}: ${res.status}`);
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest('hex'), size, contentType: res.headers.get('content-type') };
}

export interface ReceivedRequest {
  url: string;
  headers: http.IncomingHttpHeaders;
  rawBody: Buffer;
}

/**
 * The job's end as a webhook made it known: the status the event carries when the provider
 * signs its bodies (Replicate), else what getStatus confirms once a callback named the job
 * (RunningHub, Grsai: a callback is only a hint). Also returns the event that told.
 */
export async function endAfterWebhook(provider: Provider, receiver: WebhookReceiver, externalId: string, timeoutMs = 10_000): Promise<{ event: ProviderWebhookEvent; status: ProviderStatus }> {
  return waitFor(`a webhook telling the end of ${provider.name} job ${externalId}`, async () => {
    for (const event of receiver.events.filter((e) => e.externalId === externalId)) {
      const status = event.status ?? (await provider.getStatus(externalId));
      if (TERMINAL.has(status.state)) return { event, status };
    }
    return undefined;
  }, timeoutMs, 50);
}

export interface WebhookReceiver {
  /** Where providers should call back: http://127.0.0.1:port/v1/webhooks/<provider>. */
  callbackUrl: string;
  events: ProviderWebhookEvent[];
  rejections: Array<{ reason?: string; errorClass?: string; message: string }>;
  requests: ReceivedRequest[];
  /** Deliveries answered 200 as repeats of an accepted delivery id (as the gateway's durable log does). */
  duplicates: ProviderWebhookEvent[];
  /** Sends a request to the receiver again, exactly as received (a replay). */
  replay(request: ReceivedRequest): Promise<number>;
  close(): Promise<void>;
}

/** Like the gateway's webhook route: raw bytes and the URL go to provider.verifyWebhook; 202, 200 for a repeat, or 401. */
export async function startWebhookReceiver(provider: Provider): Promise<WebhookReceiver> {
  const events: ProviderWebhookEvent[] = [];
  const duplicates: ProviderWebhookEvent[] = [];
  const rejections: WebhookReceiver['rejections'] = [];
  const requests: ReceivedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks);
      requests.push({ url: req.url ?? '/', headers: req.headers, rawBody });
      provider.verifyWebhook(req.headers, rawBody, { url: req.url }).then(
        (event) => {
          if (events.some((e) => e.deliveryId === event.deliveryId)) {
            duplicates.push(event);
            return void res.writeHead(200).end();
          }
          events.push(event);
          res.writeHead(202).end();
        },
        (err: { reason?: string; errorClass?: string; message: string }) => {
          rejections.push({ reason: err.reason, errorClass: err.errorClass, message: err.message });
          res.writeHead(401).end();
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    callbackUrl: `${base}/v1/webhooks/${provider.name}`,
    events,
    duplicates,
    rejections,
    requests,
    async replay(request) {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(request.headers)) if (typeof v === 'string' && !['host', 'content-length', 'connection'].includes(k)) headers[k] = v;
      const res = await fetch(base + request.url, { method: 'POST', headers, body: request.rawBody });
      return res.status;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejectionOf(p: Promise<unknown>): Promise<{ name?: string; errorClass?: string; message: string; status?: number; retryAfterMs?: number; retryable?: boolean }> {
  try {
    await p;
  } catch (err) {
    return err as { errorClass?: string; message: string };
  }
  throw new Error('expected the call to fail');
}

/** Adapter dependencies for tests: no log lines on stderr. */
export const quiet = { logger: { warn() {}, debug() {} } };
