// /v1/session: the task center's sign-in. POST trades an API key for an HttpOnly, SameSite=Strict
// session cookie (the key is not kept by the browser); GET says who the cookie stands for;
// DELETE ends the session on the server. Transport only.
import { Router, type Request, type Response } from 'express';
import type { SessionStore } from '../session/session-store';
import type { Authenticator } from './auth';
import { UnauthenticatedError } from './errors';
import { checkSameOrigin, SESSION_COOKIE, sessionOf } from './session-auth';
import { signInBody } from './session.schemas';
import { validate } from './validate';

export function sessionRouter(deps: { auth: Authenticator; sessions: SessionStore }): Router {
  const r = Router();
  // Only the API needs the cookie; the page's own files do not.
  const cookieOptions = (req: Request) => ({ httpOnly: true, sameSite: 'strict' as const, secure: req.secure, path: '/v1' });

  r.post('/', async (req, res) => {
    // A forged sign-in would put the victim in the attacker's account (login CSRF).
    checkSameOrigin(req);
    const { apiKey } = validate(signInBody, req.body);
    // Fresh reads, not the key cache: a session outlives the request by hours, so it must not be
    // opened by a key revoked moments ago on another replica. The read after the insert closes the
    // race with a revocation in between (it revokes the key, then deletes the key's sessions: if
    // this read still sees the key live, that deletion comes after our insert and ends it).
    const principal = await deps.auth.authenticate(apiKey, { fresh: true });
    if (!principal) throw new UnauthenticatedError('unknown API key');
    const { token, expiresAt } = await deps.sessions.create(principal);
    if (!(await deps.auth.authenticate(apiKey, { fresh: true }))) {
      await deps.sessions.remove(token);
      throw new UnauthenticatedError('the API key was revoked');
    }
    res.cookie(SESSION_COOKIE, token, { ...cookieOptions(req), expires: expiresAt });
    res.status(201).json({ tenantId: principal.tenantId, role: principal.role, expiresAt: expiresAt.toISOString() });
  });

  r.get('/', async (req, res) => {
    const found = await sessionOf(req, deps.sessions);
    if (!found) throw new UnauthenticatedError('no session: sign in with POST /v1/session');
    const { principal, expiresAt } = found.session;
    res.json({ tenantId: principal.tenantId, role: principal.role, expiresAt: expiresAt.toISOString() });
  });

  r.delete('/', async (req: Request, res: Response) => {
    checkSameOrigin(req);
    const found = await sessionOf(req, deps.sessions);
    if (found) await deps.sessions.remove(found.token);
    res.clearCookie(SESSION_COOKIE, cookieOptions(req));
    res.status(204).end();
  });
  return r;
}
