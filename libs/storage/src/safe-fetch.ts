// Fetching a provider's output URL without opening an SSRF hole: http(s) only, hosts the
// provider's configuration allows, never a loopback/private/link-local address unless that
// provider is configured to allow it (the local simulator is), checked on the address the
// socket actually connects to (so DNS rebinding does not slip past), on every redirect hop,
// with size and time limits. Returns a stream: the body is never held whole in memory.
import dns from 'node:dns';
import type { Readable } from 'node:stream';
import ipaddr from 'ipaddr.js';
import { Agent, request } from 'undici';

export interface FetchPolicy {
  /** Host names allowed (exact, or "*.example.com" for subdomains). Empty: any public host. */
  allowedHosts: string[];
  /** Allow loopback and private ranges (only for a local simulator or a private provider). */
  allowPrivateNetworks: boolean;
  maxBytes: number;
  /** Whole-transfer limit, ms. */
  timeoutMs: number;
  maxRedirects?: number;
}

export class UnsafeUrlError extends Error {
  readonly code = 'UNSAFE_OUTPUT_URL';
  readonly retryable = false;
}

const PUBLIC_RANGES = new Set(['unicast']);

export function isPublicAddress(address: string): boolean {
  try {
    let addr = ipaddr.parse(address);
    if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) addr = (addr as ipaddr.IPv6).toIPv4Address();
    return PUBLIC_RANGES.has(addr.range());
  } catch {
    return false;
  }
}

export function hostAllowed(host: string, allowed: string[]): boolean {
  if (allowed.length === 0) return true;
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return allowed.some((a) => {
    const p = a.toLowerCase();
    return p.startsWith('*.') ? h.endsWith(p.slice(1)) && h.length > p.length - 1 : h === p;
  });
}

function agentFor(policy: FetchPolicy): Agent {
  return new Agent({
    connect: {
      // Checked on the resolved address the socket will use.
      lookup(hostname, options, callback) {
        dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
          if (err) return callback(err, '', 4);
          const list = addresses as dns.LookupAddress[];
          const bad = list.find((a) => !policy.allowPrivateNetworks && !isPublicAddress(a.address));
          if (bad) return callback(new UnsafeUrlError(`${hostname} resolves to ${bad.address}, a non-public address`), '', 4);
          const first = list[0]!;
          if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
          callback(null, first.address, first.family);
        });
      },
    },
  });
}

export async function fetchOutput(
  url: string,
  policy: FetchPolicy,
  signal?: AbortSignal,
): Promise<{ body: Readable; contentType?: string; contentLength?: number; finalUrl: string }> {
  const dispatcher = agentFor(policy);
  const deadline = AbortSignal.timeout(policy.timeoutMs);
  const combined = signal ? AbortSignal.any([signal, deadline]) : deadline;
  let current = url;
  for (let hop = 0; hop <= (policy.maxRedirects ?? 3); hop++) {
    const u = new URL(current);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UnsafeUrlError(`refusing ${u.protocol} URL ${current}`);
    if (!hostAllowed(u.hostname, policy.allowedHosts)) throw new UnsafeUrlError(`host ${u.hostname} is not in the provider's allowed hosts`);
    if (!policy.allowPrivateNetworks && ipaddr.isValid(u.hostname.replace(/^\[|\]$/g, '')) && !isPublicAddress(u.hostname.replace(/^\[|\]$/g, ''))) {
      throw new UnsafeUrlError(`refusing non-public address ${u.hostname}`);
    }
    const res = await request(current, { dispatcher, signal: combined, method: 'GET', maxRedirections: 0 } as Parameters<typeof request>[1]);
    if (res.statusCode >= 300 && res.statusCode < 400 && res.headers.location) {
      res.body.resume();
      current = new URL(String(res.headers.location), current).toString();
      continue;
    }
    if (res.statusCode !== 200) {
      res.body.resume();
      throw Object.assign(new Error(`GET ${u.host}${u.pathname} answered ${res.statusCode}`), {
        code: 'OUTPUT_FETCH_FAILED',
        retryable: res.statusCode >= 500 || res.statusCode === 429,
      });
    }
    const len = Number(res.headers['content-length']);
    if (Number.isFinite(len) && len > policy.maxBytes) {
      res.body.destroy();
      throw Object.assign(new Error(`output is ${len} bytes, over the ${policy.maxBytes}-byte limit`), { code: 'OUTPUT_TOO_LARGE', retryable: false });
    }
    const ct = res.headers['content-type'];
    res.body.once('close', () => void dispatcher.close());
    return { body: res.body, contentType: Array.isArray(ct) ? ct[0] : ct, contentLength: Number.isFinite(len) ? len : undefined, finalUrl: current };
  }
  throw new UnsafeUrlError(`too many redirects from ${url}`);
}
