// The tenant limiter's decisions on a fake clock with an in-memory stand-in for the tenant's
// shared document (the same conditional semantics as libs/store tenant-limits.ts; the real one
// is exercised through HTTP in test/gateway/tenant-limits.test.ts).
import type { TenantLimitOverrides, TenantLimitRecord, TenantLimitTake } from '@loom/store';
import { applyStep } from './token-bucket';
import { createTenantLimiter, resolvePolicy, type TenantLimitDefaults, type TenantLimitsPort } from './tenant-limiter';

function fakeLimits() {
  const docs = new Map<string, TenantLimitRecord>();
  const calls = { take: 0, read: 0, recount: 0 };
  const doc = (tenantId: string) => {
    let d = docs.get(tenantId);
    if (!d) docs.set(tenantId, (d = { _id: tenantId, limits: {}, fullAt: 0, waiting: 0, countedAt: 0, epoch: 0, updatedAt: new Date(0) }));
    return d;
  };
  const port: TenantLimitsPort = {
    async read(tenantId) {
      calls.read++;
      return { ...doc(tenantId) };
    },
    async take(tenantId, t: TenantLimitTake) {
      calls.take++;
      const d = docs.get(tenantId);
      if (!d) return null;
      if (t.waitingAtMost !== undefined && d.waiting > t.waitingAtMost) return null;
      let fullAt = d.fullAt;
      if (t.bucket) {
        const next = applyStep(d.fullAt, t.bucket);
        if (next === null) return null;
        fullAt = next;
      }
      Object.assign(d, { fullAt, waiting: d.waiting + t.reserve }, t.staleCount ? { countedAt: 0 } : {});
      return { ...d };
    },
    async giveBack(tenantId, slots, epoch) {
      const d = doc(tenantId);
      if (d.epoch === epoch) d.waiting -= slots;
    },
    async claimRecount(tenantId, now, countedBefore) {
      const d = doc(tenantId);
      if (!(d.countedAt < countedBefore)) return null;
      const before = { ...d };
      Object.assign(d, { countedAt: now, epoch: d.epoch + 1 });
      return before;
    },
    async finishRecount(tenantId, estimateAtClaim, counted) {
      calls.recount++;
      const d = doc(tenantId);
      d.waiting += counted - estimateAtClaim;
      return { ...d };
    },
  };
  const setLimits = (tenantId: string, limits: TenantLimitOverrides) => Object.assign(doc(tenantId), { limits, countedAt: 0 });
  return { port, docs, calls, setLimits };
}

const defaults: TenantLimitDefaults = { submitsPerSecond: 1000, burstSeconds: 2, maxWaiting: 100_000, recountMs: 1000 };

function setup(opts: { defaults?: Partial<TenantLimitDefaults> } = {}) {
  const clock = { t: 1_000_000 };
  const fake = fakeLimits();
  /** Unfinished tasks per tenant, as the tasks collection would count them. */
  const unfinished = new Map<string, number>();
  const make = (more: Partial<TenantLimitDefaults> = {}) =>
    createTenantLimiter({
      limits: fake.port,
      countWaiting: async (tenantId) => unfinished.get(tenantId) ?? 0,
      defaults: { ...defaults, ...opts.defaults, ...more },
      now: () => clock.t,
    });
  /** An accepted submission becomes a task that waits. */
  const submit = async (limiter: ReturnType<typeof make>, tenantId: string, n = 1) => {
    const ticket = await limiter.acquire(tenantId, n);
    unfinished.set(tenantId, (unfinished.get(tenantId) ?? 0) + n);
    return ticket;
  };
  return { clock, fake, unfinished, make, submit };
}

const refusal = async (p: Promise<unknown>) => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!err) throw new Error('expected a refusal, the call was accepted');
  return err as { code: string; status: number; retryAfterSeconds?: number; details?: Record<string, unknown>; message: string };
};

describe('tenant limiter', () => {
  it('admits a 5/s tenant five times in one instant, refuses the sixth with Retry-After, and admits it after that wait', async () => {
    const { clock, fake, make, submit } = setup();
    fake.setLimits('t5', { submitsPerSecond: 5, burst: 5 });
    const limiter = make();
    for (let i = 0; i < 5; i++) await submit(limiter, 't5');
    const err = await refusal(limiter.acquire('t5'));
    expect(err).toMatchObject({ code: 'SUBMIT_RATE_LIMITED', status: 429, retryAfterSeconds: 1 });
    expect(err.details).toEqual({ limit: 'submitsPerSecond', submitsPerSecond: 5, burst: 5, retryAfterSeconds: 1 });
    expect(err.message).toContain('5 tasks per second');
    clock.t += 1000 * err.retryAfterSeconds!;
    await expect(limiter.acquire('t5')).resolves.toBeDefined();
  });

  it('holds the rate across replicas: two limiters on one shared document admit the burst between them, not twice', async () => {
    const { fake, make, submit } = setup();
    fake.setLimits('shared', { submitsPerSecond: 5, burst: 5 });
    const a = make();
    const b = make();
    for (let i = 0; i < 3; i++) await submit(a, 'shared');
    for (let i = 0; i < 2; i++) await submit(b, 'shared');
    expect((await refusal(a.acquire('shared'))).code).toBe('SUBMIT_RATE_LIMITED');
    expect((await refusal(b.acquire('shared'))).code).toBe('SUBMIT_RATE_LIMITED');
  });

  it('refuses the fourth task of a tenant with maxWaiting 3 while three wait, and admits it once one has finished', async () => {
    const { clock, fake, unfinished, make, submit } = setup();
    fake.setLimits('w3', { maxWaiting: 3 });
    const limiter = make();
    for (let i = 0; i < 3; i++) await submit(limiter, 'w3');
    const err = await refusal(limiter.acquire('w3'));
    expect(err).toMatchObject({ code: 'TOO_MANY_WAITING_TASKS', status: 429 });
    expect(err.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(err.details).toMatchObject({ limit: 'maxWaiting', maxWaiting: 3 });
    expect(err.message).toContain('maxWaiting 3');
    // One finishes; the estimate learns it at the next recount, at most recountMs later.
    unfinished.set('w3', 2);
    clock.t += 1000 * err.retryAfterSeconds!;
    await expect(submit(limiter, 'w3')).resolves.toBeDefined();
    expect((await refusal(limiter.acquire('w3'))).code).toBe('TOO_MANY_WAITING_TASKS');
  });

  it('recounts at most once per recount interval while refusing', async () => {
    const { fake, make, submit } = setup();
    fake.setLimits('busy', { maxWaiting: 2 });
    const limiter = make();
    await submit(limiter, 'busy');
    await submit(limiter, 'busy');
    const before = fake.calls.recount;
    for (let i = 0; i < 10; i++) expect((await refusal(limiter.acquire('busy'))).code).toBe('TOO_MANY_WAITING_TASKS');
    expect(fake.calls.recount - before).toBeLessThanOrEqual(1);
  });

  it('leaves other tenants alone', async () => {
    const { fake, make, submit } = setup();
    fake.setLimits('small', { submitsPerSecond: 1, burst: 1, maxWaiting: 1 });
    const limiter = make();
    await submit(limiter, 'small');
    await refusal(limiter.acquire('small'));
    for (let i = 0; i < 50; i++) await submit(limiter, 'big');
  });

  it('gives back what a refused or replayed submission reserved: the estimate does not creep', async () => {
    const { fake, make } = setup();
    fake.setLimits('w2', { maxWaiting: 2 });
    const limiter = make();
    for (let i = 0; i < 20; i++) (await limiter.acquire('w2')).release();
    await new Promise((r) => setImmediate(r));
    expect(fake.docs.get('w2')!.waiting).toBe(0);
  });

  it('serves the default limits from leases: about one shared take per 50 submissions, none refused', async () => {
    const { fake, make, submit } = setup();
    const limiter = make();
    await Promise.all(Array.from({ length: 1000 }, () => submit(limiter, 'bench')));
    expect(fake.calls.take).toBeLessThanOrEqual(40);
    expect(fake.docs.get('bench')!.waiting).toBeGreaterThanOrEqual(1000);
  });

  it('takes a batch whole or refuses it: n tokens and n slots at once, 422 when no wait could admit it', async () => {
    const { fake, make, submit } = setup();
    fake.setLimits('b', { submitsPerSecond: 10, burst: 10, maxWaiting: 8 });
    const limiter = make();
    await submit(limiter, 'b', 6);
    expect(fake.docs.get('b')!.waiting).toBe(6);
    expect((await refusal(limiter.acquire('b', 3))).code).toBe('TOO_MANY_WAITING_TASKS');
    expect(fake.docs.get('b')!.waiting).toBe(6);
    expect((await refusal(limiter.acquire('b', 11))).code).toBe('LIMIT_TOO_LOW');
    expect((await refusal(limiter.acquire('b', 9))).code).toBe('LIMIT_TOO_LOW');
  });

  it('costs nothing but a read now and then for a tenant without limits', async () => {
    const { fake, make, submit } = setup({ defaults: { submitsPerSecond: 0, maxWaiting: 0 } });
    const limiter = make();
    for (let i = 0; i < 100; i++) await submit(limiter, 'free');
    expect(fake.calls.take).toBe(0);
    expect(fake.calls.read).toBe(1);
  });

  it('counts first when nothing kept the estimate (waiting was unlimited), so a waiting limit holds from its first submission', async () => {
    const { fake, make, submit } = setup({ defaults: { maxWaiting: 0 } });
    const unlimited = make();
    for (let i = 0; i < 5; i++) await submit(unlimited, 'grows');
    expect(fake.docs.get('grows')).toMatchObject({ waiting: 0, countedAt: 0 });
    // The deployment restarts with a default of 3 waiting: the five are counted before the first decision.
    const limited = make({ maxWaiting: 3 });
    expect((await refusal(limited.acquire('grows'))).code).toBe('TOO_MANY_WAITING_TASKS');
    expect(fake.docs.get('grows')!.waiting).toBe(5);
    expect(fake.calls.recount).toBe(1);
  });

  it('marks the estimate stale once for a tenant without any limit', async () => {
    const { fake, make, submit } = setup();
    fake.docs.set('free', { _id: 'free', limits: { submitsPerSecond: 0, maxWaiting: 0 }, fullAt: 0, waiting: 7, countedAt: 123, epoch: 0, updatedAt: new Date(0) });
    const limiter = make();
    for (let i = 0; i < 3; i++) await submit(limiter, 'free');
    expect(fake.docs.get('free')).toMatchObject({ countedAt: 0, waiting: 7 });
    expect(fake.calls.take).toBe(1);
  });

  it('resolves a tenant’s overrides over the defaults, the burst from the rate when not set', () => {
    expect(resolvePolicy(defaults)).toEqual({ submitsPerSecond: 1000, burst: 2000, maxWaiting: 100_000 });
    expect(resolvePolicy(defaults, { submitsPerSecond: 5 })).toEqual({ submitsPerSecond: 5, burst: 10, maxWaiting: 100_000 });
    expect(resolvePolicy(defaults, { submitsPerSecond: 0.5, maxWaiting: 0 })).toEqual({ submitsPerSecond: 0.5, burst: 1, maxWaiting: 0 });
    expect(resolvePolicy(defaults, { burst: 3 })).toMatchObject({ burst: 3 });
  });
});
