// What each provider's module supplies to the server: its routes, how it checks the key, how it
// says 401, 429, 503 and "too many jobs", and what its webhooks carry. The server does the rest.
import type { IncomingHttpHeaders } from 'node:http';
import type { JobPhase, SimJob } from './jobs';
import type { ProviderKey, SimulatorOptions } from './options';

export interface SimRequest {
  method: string;
  /** Path after the provider prefix, e.g. /v1/predictions. */
  path: string;
  /** The query string without "?", '' when none. */
  query?: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body, undefined when empty. */
  body: unknown;
}

export interface SimReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface SimContext {
  readonly options: SimulatorOptions;
  /** Base URL for links in answers (files, status URLs). */
  readonly baseUrl: string;
  now(): number;
  /** A new job, or undefined when the provider's in-flight limit is reached. */
  createJob(init: { webhookUrl?: string; meta: Record<string, unknown>; requestText: string }): SimJob | undefined;
  job(id: string): SimJob | undefined;
  /** This provider's jobs still remembered, newest first. */
  jobs(): SimJob[];
  phase(job: SimJob): JobPhase;
  /** Marks a running job cancelled (counted in stats) and delivers what the provider sends for it. */
  cancel(job: SimJob): void;
  fileUrls(job: SimJob): string[];
}

export type WebhookMoment = 'start' | 'progress' | 'end' | 'cancel';

export interface ProviderApi {
  readonly provider: ProviderKey;
  /** The endpoint (stats key) and handler for a request, or undefined for 404. */
  route(method: string, path: string): { endpoint: string; handle(req: SimRequest, ctx: SimContext): SimReply } | undefined;
  authorized(req: SimRequest, apiKey: string): boolean;
  unauthorized(): SimReply;
  rateLimited(retryAfterSeconds: number): SimReply;
  unavailable(): SimReply;
  busy(retryAfterSeconds: number): SimReply;
  /** Bodies to POST to the job's webhook URL at a moment of its life; [] for none. */
  webhookBodies(job: SimJob, phase: JobPhase, moment: WebhookMoment, ctx: SimContext): unknown[];
}

export const json = (status: number, body: unknown, headers?: Record<string, string>): SimReply => ({ status, body, headers });

export function bearer(headers: IncomingHttpHeaders): string | undefined {
  const m = /^(?:Bearer|Token)\s+(.+)$/i.exec(headers.authorization ?? '');
  return m?.[1]?.trim();
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
