// Who is calling, for every /v1 route: an API key (`Authorization: Bearer`, the REST way; or
// `?apiKey=` on the live streams), else the task center's session cookie. A cookie is sent by
// the browser on its own, so a write it authenticates must prove it comes from our page: the
// custom header CSRF_HEADER (a cross-site page cannot set it without a CORS preflight, which
// the gateway never grants) and, when the browser names it, an Origin of this very host.
// SameSite=Strict on the cookie is the second lock. A WebSocket handshake cannot carry a custom
// header, so there (live/websocket.ts) the Origin alone decides, and it must be present.
import type { IncomingHttpHeaders } from 'node:http';
import type { Request, RequestHandler, Response } from 'express';
import type { Session, SessionStore } from '../session/session-store';
import { apiKeyOf, type Authenticator } from './auth';
import { CsrfRejectedError, UnauthenticatedError } from './errors';

export const SESSION_COOKIE = 'loom_session';
/** Any non-empty value; the task center sends `1`. */
export const CSRF_HEADER = 'x-loom-csrf';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The session token of a Cookie header, if any. */
export function sessionTokenOf(cookieHeader: string | undefined): string | undefined {
  for (const part of (cookieHeader ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

/** Throws CSRF_REJECTED unless the request carries the header and comes from this origin. */
export function checkSameOrigin(req: Request): void {
  if (!req.get(CSRF_HEADER)) throw new CsrfRejectedError(`a cookie-authenticated ${req.method} needs the ${CSRF_HEADER} header (sent by the task center page)`);
  checkOrigin(req.headers, { required: false });
}

/**
 * Throws CSRF_REJECTED when the browser says the request comes from another site (Sec-Fetch-Site)
 * or another origin (Origin, compared with this request's Host); with `required`, also when no
 * Origin is sent (every browser sends one on a WebSocket handshake).
 */
export function checkOrigin(headers: IncomingHttpHeaders, { required }: { required: boolean }): void {
  const site = headers['sec-fetch-site'];
  if (site && site !== 'same-origin' && site !== 'none') throw new CsrfRejectedError(`cross-site request refused (Sec-Fetch-Site: ${site})`);
  const origin = headers.origin;
  if (!origin && required) throw new CsrfRejectedError('a cookie-authenticated WebSocket handshake needs an Origin header of this gateway');
  if (origin && origin !== 'null') {
    let host: string | undefined;
    try {
      host = new URL(origin).host;
    } catch {
      host = undefined;
    }
    if (host !== headers.host) throw new CsrfRejectedError(`request from another origin (${origin}) refused`);
  } else if (origin === 'null') {
    throw new CsrfRejectedError('request from an opaque origin refused');
  }
}

/** The session the request's cookie names, if live. */
export async function sessionOf(req: { headers: IncomingHttpHeaders }, sessions: SessionStore | undefined): Promise<{ token: string; session: Session } | null> {
  const token = sessionTokenOf(req.headers.cookie);
  if (!sessions || !token) return null;
  const session = await sessions.find(token);
  return session ? { token, session } : null;
}

/**
 * Express middleware: 401 unless the request carries a known key or a live session; the principal
 * goes to res.locals, and with it (stillValidOf) how a long-lived answer (a live stream) asks later
 * whether that key or session still holds.
 */
export function requireCaller(auth: Authenticator, sessions: SessionStore | undefined, opts: { allowQueryKey?: boolean } = {}): RequestHandler {
  return async (req, res, next) => {
    const key = apiKeyOf(req.headers, opts.allowQueryKey ? new URL(req.originalUrl, 'http://localhost') : undefined, !!opts.allowQueryKey);
    if (key) {
      const principal = await auth.authenticate(key);
      if (!principal) return reject(res, 'unknown API key');
      res.locals.principal = principal;
      res.locals.stillValid = async () => (await auth.authenticate(key)) !== null;
      return next();
    }
    const found = await sessionOf(req, sessions);
    if (!found) return reject(res, sessionTokenOf(req.headers.cookie) ? 'the session has ended: sign in again' : 'missing API key: send Authorization: Bearer <key>');
    if (!SAFE_METHODS.has(req.method)) checkSameOrigin(req);
    res.locals.principal = found.session.principal;
    res.locals.stillValid = async () => (await sessions!.find(found.token)) !== null;
    next();
  };
}

/** The check requireCaller left for this request: whether its key or session still holds. */
export function stillValidOf(res: Response): () => Promise<boolean> {
  return res.locals.stillValid as () => Promise<boolean>;
}

function reject(res: Response, message: string): never {
  res.setHeader('WWW-Authenticate', 'Bearer');
  throw new UnauthenticatedError(message);
}
