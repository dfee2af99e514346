// The one way adapters call a provider over HTTP: JSON in and out, a timeout on every call
// (joined with the caller's signal), and every failure turned into a classified ProviderError
// with a message that says what to do (which variable to check, how long to wait).
import type { ProviderErrorClass } from './provider';
import { classifyHttpStatus, ProviderError } from './provider-error';

export interface ProviderIdentity {
  /** Registry name, e.g. "replicate". */
  name: string;
  /** For messages, e.g. "Replicate". */
  label: string;
  /** The variable holding the credential, named in 401/403 messages. */
  apiKeyEnv: string;
  /** "token" or "key", as the provider calls its credential. */
  credentialNoun: string;
}

export interface HttpClientConfig {
  baseUrl: string;
  /** Per call, covering connect, headers and body (default 30 s). */
  timeoutMs: number;
  /** Sent on every call (e.g. Authorization). */
  headers?: Record<string, string>;
}

export interface HttpCall {
  method: 'GET' | 'POST';
  /** Appended to the base URL. */
  path: string;
  body?: unknown;
  signal?: AbortSignal;
}

export interface HttpResult {
  status: number;
  headers: Headers;
  /** Parsed JSON; undefined for an empty body. */
  body: unknown;
}

export type HttpClient = (call: HttpCall) => Promise<HttpResult>;

/** Retry-After as milliseconds: delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The most useful human-readable part of an error body (JSON detail/message/msg/error, else text). */
export function errorDetail(body: unknown, text: string): string {
  if (body && typeof body === 'object') {
    const o = body as Record<string, unknown>;
    for (const key of ['detail', 'message', 'msg', 'error', 'title']) {
      const v = o[key];
      if (typeof v === 'string' && v.trim()) return v.trim().slice(0, 300);
      if (v && typeof v === 'object' && typeof (v as Record<string, unknown>).message === 'string') return String((v as Record<string, unknown>).message).slice(0, 300);
    }
  }
  return text.trim().replace(/\s+/g, ' ').slice(0, 300);
}

export function httpErrorMessage(id: ProviderIdentity, call: Pick<HttpCall, 'method' | 'path'>, status: number, detail: string, retryAfterMs?: number): string {
  const suffix = detail ? `: ${detail}` : '';
  if (status === 401 || status === 403) {
    return `${id.label} rejected the API ${id.credentialNoun} (${status}): check ${id.apiKeyEnv}${suffix}`;
  }
  if (status === 402) return `${id.label} refused for billing (402): check the account's credit${suffix}`;
  if (status === 429) {
    const wait = retryAfterMs === undefined ? '' : ` (retry after ${Math.ceil(retryAfterMs / 1000)} s)`;
    return `${id.label} is rate limiting ${call.method} ${call.path} (429)${wait}${suffix}`;
  }
  return `${id.label} ${call.method} ${call.path} failed (${status})${suffix}`;
}

function httpErrorClass(status: number): ProviderErrorClass {
  // 402: the account is out of credit; retrying the task cannot help until someone pays.
  return status === 402 ? 'permanent' : classifyHttpStatus(status);
}

/** Connection failures that happen before a byte of the request is sent: the provider did nothing. */
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

function causeCode(err: unknown): string | undefined {
  const cause = (err as { cause?: { code?: string; cause?: { code?: string } } }).cause;
  return cause?.code ?? cause?.cause?.code;
}

function networkReason(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const parts = [cause?.code, cause?.message].filter((p): p is string => typeof p === 'string' && p.length > 0);
  return parts.length ? [...new Set(parts)].join(' ') : ((err as Error).message ?? String(err));
}

export function createHttpClient(id: ProviderIdentity, config: HttpClientConfig, fetchImpl: typeof fetch = globalThis.fetch): HttpClient {
  const base = config.baseUrl.replace(/\/+$/, '');
  return async function call(req: HttpCall): Promise<HttpResult> {
    const timeout = AbortSignal.timeout(config.timeoutMs);
    const signal = req.signal ? AbortSignal.any([timeout, req.signal]) : timeout;
    const where = `${req.method} ${req.path}`;
    let res: Response;
    let text: string;
    try {
      res = await fetchImpl(base + req.path, {
        method: req.method,
        headers: { accept: 'application/json', ...(req.body === undefined ? {} : { 'content-type': 'application/json' }), ...config.headers },
        body: req.body === undefined ? undefined : JSON.stringify(req.body),
        signal,
      });
      text = await res.text();
    } catch (err) {
      // The caller's own abort is not a provider failure: hand its reason back untouched.
      if (req.signal?.aborted) throw req.signal.reason;
      if (timeout.aborted) {
        throw new ProviderError(id.name, 'transient', `${id.label} did not answer ${where} within ${config.timeoutMs} ms`, undefined, undefined, true);
      }
      const code = causeCode(err);
      const maybeAccepted = !(code && NEVER_SENT.has(code));
      throw new ProviderError(id.name, 'transient', `${id.label} unreachable at ${base} (${networkReason(err)}) on ${where}`, undefined, undefined, maybeAccepted);
    }

    let body: unknown;
    let parsed = true;
    if (text.trim()) {
      try {
        body = JSON.parse(text);
      } catch {
        parsed = false;
      }
    }
    if (!res.ok) {
      const retryAfterMs = res.status === 429 || res.status === 503 ? parseRetryAfter(res.headers.get('retry-after')) : undefined;
      const detail = errorDetail(body, parsed ? '' : text);
      // A gateway in front of the provider (502, 504) may have passed the request on before failing.
      const maybeAccepted = res.status === 502 || res.status === 504;
      throw new ProviderError(id.name, httpErrorClass(res.status), httpErrorMessage(id, req, res.status, detail, retryAfterMs), res.status, retryAfterMs, maybeAccepted);
    }
    if (!parsed) {
      // A 2xx that is not JSON is a proxy or maintenance page, not the API: worth another try.
      throw new ProviderError(id.name, 'transient', `${id.label} answered ${where} with ${res.status} but not JSON: ${text.trim().slice(0, 120)}`, res.status, undefined, true);
    }
    return { status: res.status, headers: res.headers, body };
  };
}
