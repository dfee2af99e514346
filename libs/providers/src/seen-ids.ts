// Bounded memory of webhook delivery ids already accepted, for replay protection: an id is
// remembered for `ttlMs` (past it the timestamp check rejects the delivery anyway) and at most
// `max` ids are kept, oldest dropped first, so a flood cannot grow memory without bound.
export class SeenIds {
  // Insertion order = time order, because every entry gets the same ttl: the head is the oldest.
  private readonly expiries = new Map<string, number>();

  constructor(
    /** Most ids kept (default 10 000). A flood larger than this inside the window could replay an evicted id; status-sync also dedupes by id. */
    private readonly max = 10_000,
    /** How long an id is remembered (default 10 min: twice the default timestamp tolerance, covering clock skew both ways). */
    private readonly ttlMs = 600_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Remembers `id`; false when it was already seen and has not expired (a replay). */
  remember(id: string): boolean {
    const now = this.now();
    for (const [key, expiresAt] of this.expiries) {
      if (expiresAt > now) break;
      this.expiries.delete(key);
    }
    const expiresAt = this.expiries.get(id);
    if (expiresAt !== undefined && expiresAt > now) return false;
    this.expiries.delete(id);
    this.expiries.set(id, now + this.ttlMs);
    while (this.expiries.size > this.max) {
      const oldest = this.expiries.keys().next().value as string;
      this.expiries.delete(oldest);
    }
    return true;
  }

  get size(): number {
    return this.expiries.size;
  }
}
