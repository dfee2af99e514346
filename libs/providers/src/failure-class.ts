// Classifying a job's failure from the provider's words, when that is all there is. The order
// matters: content policy first (never retry), then what looks like capacity or infrastructure
// (retry), then what looks like the request's fault; anything else gets the caller's fallback.
import type { ProviderErrorClass } from './provider';

const POLICY = /nsfw|safety|moderation|violat|content polic|sensitive|flagged|prohibited|违规|敏感|审核/i;
const TRANSIENT = /out of memory|\boom\b|cuda|timed? ?out|timeout|unavailable|overload|capacity|busy|try again|connection|reset by peer|internal server|\b50[234]\b|繁忙|超时/i;
const BAD_INPUT = /invalid|validation|required|must be|not supported|unsupported|bad request|too (large|long|big|many)|cannot (decode|read|open)|unrecognized|参数/i;

export function classifyFailureMessage(message: string | undefined, fallback: ProviderErrorClass = 'permanent'): ProviderErrorClass {
  if (!message) return fallback;
  if (POLICY.test(message)) return 'bad_input';
  if (TRANSIENT.test(message)) return 'transient';
  if (BAD_INPUT.test(message)) return 'bad_input';
  return fallback;
}
