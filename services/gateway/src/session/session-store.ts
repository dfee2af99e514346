// Browser sessions of the task center: a random token in an HttpOnly cookie, and server-side the
// principal it stands for with an expiry, in MongoDB (collection `sessions`) so that any gateway
// replica honours it and sign-out ends it everywhere at once. Only the token's sha256 is stored:
// a read of the collection gives no usable cookie. The gateway owns this collection.
// A session is only as good as the key that opened it: revoking the key (or all of a tenant's)
// deletes its sessions in the same request (keys/key-admin.ts), and every lookup reads this
// collection, uncached, so the next request on any replica is refused.
import { createHash, randomBytes } from 'node:crypto';
import { Schema, type Connection, type Model } from 'mongoose';
import type { Principal } from '../http/auth';

export interface SessionRecord {
  /** sha256 of the token. */
  _id: string;
  keyId: string;
  tenantId: string;
  role: Principal['role'];
  createdAt: Date;
  expiresAt: Date;
}

export interface Session {
  principal: Principal;
  expiresAt: Date;
}

export interface SessionStore {
  /** A new session for the principal; the clear token goes into the cookie and nowhere else. */
  create(principal: Principal): Promise<{ token: string; expiresAt: Date }>;
  /** The live session of a token, or null (unknown, ended or expired). */
  find(token: string | undefined): Promise<Session | null>;
  /** Ends a session; ending an unknown one is not an error. */
  remove(token: string): Promise<void>;
  /** Ends every session a key opened, or every session of a tenant (its keys revoked); how many. */
  removeBy(who: { keyId: string } | { tenantId: string }): Promise<number>;
}

export interface SessionStoreOptions {
  /** How long a session lasts (default 12 h: a working day; sign in again the next). */
  ttlMs?: number;
  now?: () => Date;
}

const sessionSchema = new Schema<SessionRecord>(
  {
    _id: { type: String, required: true },
    keyId: { type: String, required: true },
    tenantId: { type: String, required: true },
    role: { type: String, enum: ['user', 'operator'], required: true },
    createdAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'sessions', versionKey: false },
);
// MongoDB removes expired sessions by itself; lookups check expiresAt anyway (the local stand-in has no TTL monitor).
sessionSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });
// Revocation ends sessions by key or by tenant.
sessionSchema.index({ keyId: 1 });
sessionSchema.index({ tenantId: 1 });

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');

export async function createSessionStore(conn: Connection, opts: SessionStoreOptions = {}): Promise<SessionStore> {
  const ttlMs = opts.ttlMs ?? 12 * 3600_000;
  const now = opts.now ?? (() => new Date());
  const Session: Model<SessionRecord> = conn.models.Session ?? conn.model<SessionRecord>('Session', sessionSchema);
  await Session.init();
  return {
    async create(principal) {
      const token = randomBytes(32).toString('base64url');
      const createdAt = now();
      const expiresAt = new Date(createdAt.getTime() + ttlMs);
      await Session.collection.insertOne({ _id: hashOf(token), keyId: principal.keyId, tenantId: principal.tenantId, role: principal.role, createdAt, expiresAt } as never);
      return { token, expiresAt };
    },
    async find(token) {
      // Tokens are 43 base64url characters; anything else is not worth a database read.
      if (!token || !/^[A-Za-z0-9_-]{20,100}$/.test(token)) return null;
      const s = await Session.findOne({ _id: hashOf(token), expiresAt: { $gt: now() } }).lean<SessionRecord>();
      return s ? { principal: { keyId: s.keyId, tenantId: s.tenantId, role: s.role }, expiresAt: s.expiresAt } : null;
    },
    async remove(token) {
      await Session.deleteOne({ _id: hashOf(token) });
    },
    async removeBy(who) {
      const filter = 'keyId' in who ? { keyId: who.keyId } : { tenantId: who.tenantId };
      return (await Session.deleteMany(filter)).deletedCount;
    },
  };
}
