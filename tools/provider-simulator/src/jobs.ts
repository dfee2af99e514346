// Simulated jobs: where a job stands is a pure function of its timeline and the clock, so
// polling and webhooks always agree: queued for the first 1/(steps+1) of the duration, then
// running with progress in `steps` equal steps, then its fate (decided at submit).
import { randomBytes } from 'node:crypto';
import type { ProviderKey } from './options';

export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export type JobFate = 'succeed' | 'fail' | 'violation';

export interface SimJob {
  id: string;
  provider: ProviderKey;
  createdAt: number;
  durationMs: number;
  steps: number;
  fate: JobFate;
  cancelledAt?: number;
  outputCount: number;
  outputSize: number;
  contentType: string;
  /** Where to deliver webhooks; undefined = polling mode. */
  webhookUrl?: string;
  /** Provider-specific bits the views need (Replicate's model, version, input, events filter). */
  meta: Record<string, unknown>;
}

export interface JobPhase {
  state: JobState;
  /** 0-100. */
  progress: number;
  /** Progress steps completed (0..steps). */
  step: number;
}

export function isTerminal(state: JobState): boolean {
  return state === 'succeeded' || state === 'failed' || state === 'cancelled';
}

/** When the queued phase ends, ms after creation. */
export function queuedFor(job: Pick<SimJob, 'durationMs' | 'steps'>): number {
  return job.durationMs / (job.steps + 1);
}

export function phaseAt(job: SimJob, now: number): JobPhase {
  // A cancel counts only if it came before the job's end; the job then stays where it was.
  const cancelled = job.cancelledAt !== undefined && job.cancelledAt <= now && job.cancelledAt - job.createdAt < job.durationMs;
  const elapsed = (cancelled ? job.cancelledAt! : now) - job.createdAt;
  let phase: JobPhase;
  if (elapsed >= job.durationMs) {
    phase = job.fate === 'succeed' ? { state: 'succeeded', progress: 100, step: job.steps } : { state: 'failed', progress: stepProgress(job, job.steps - 1), step: job.steps - 1 };
  } else if (elapsed < queuedFor(job)) {
    phase = { state: 'queued', progress: 0, step: 0 };
  } else {
    const q = queuedFor(job);
    const k = Math.min(job.steps - 1, Math.floor((job.steps * (elapsed - q)) / (job.durationMs - q)));
    phase = { state: 'running', progress: stepProgress(job, k), step: k };
  }
  return cancelled ? { ...phase, state: 'cancelled' } : phase;
}

function stepProgress(job: SimJob, k: number): number {
  return Math.floor((100 * Math.max(0, k)) / job.steps);
}

/** Offsets (ms after creation) where the phase changes: running starts, each later step, the end. */
export function phaseChanges(job: SimJob): Array<{ at: number; kind: 'start' | 'progress' | 'end' }> {
  const q = queuedFor(job);
  const out: Array<{ at: number; kind: 'start' | 'progress' | 'end' }> = [{ at: q, kind: 'start' }];
  for (let k = 1; k < job.steps; k++) out.push({ at: q + ((job.durationMs - q) * k) / job.steps, kind: 'progress' });
  out.push({ at: job.durationMs, kind: 'end' });
  return out;
}

/** Ids shaped like each provider's (Replicate: 26 lowercase alnum; RunningHub: 19 digits; Grsai: "1-" + hex). */
export function newJobId(provider: ProviderKey): string {
  const bytes = randomBytes(32);
  if (provider === 'replicate') return [...bytes.subarray(0, 26)].map((b) => 'abcdefghijklmnopqrstuvwxyz0123456789'[b % 36]).join('');
  if (provider === 'runninghub') return `19${[...bytes.subarray(0, 17)].map((b) => String(b % 10)).join('')}`;
  return `1-${bytes.subarray(0, 16).toString('hex')}`;
}

/** A job's fate: forced by a marker in the request, else drawn against the failure rate. */
export function decideFate(requestText: string, failureRate: number, random = Math.random): JobFate {
  if (requestText.includes('[sim:violation]')) return 'violation';
  if (requestText.includes('[sim:fail]')) return 'fail';
  return random() < failureRate ? 'fail' : 'succeed';
}
