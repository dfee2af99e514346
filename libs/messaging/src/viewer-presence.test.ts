// The presence book: who watches, on a fake clock (the broker side is in test/messaging/bus.test.ts).
import { createPresenceBook, parsePresence, PRESENCE_TTL_MS } from './viewer-presence';

describe('viewer presence', () => {
  it('watches while some word holds, and not after it expired or the watcher said it stopped', () => {
    let now = 1_000;
    const book = createPresenceBook(() => now);
    expect(book.anyWatching()).toBe(false);
    book.heard({ watcher: 'g1', ttlMs: 100 });
    book.heard({ watcher: 'g2', ttlMs: 300 });
    expect(book.anyWatching()).toBe(true);
    now += 200; // g1 vanished without a word; g2 still holds
    expect(book.anyWatching()).toBe(true);
    book.heard({ watcher: 'g2', ttlMs: 0 });
    expect(book.anyWatching()).toBe(false);
    book.heard({ watcher: 'g1', ttlMs: 100 });
    now += 100;
    expect(book.anyWatching()).toBe(false);
  });

  it('reads only well-formed words, and caps how long one may hold', () => {
    expect(parsePresence(Buffer.from('nope'))).toBeUndefined();
    expect(parsePresence(Buffer.from('{"watcher":"","ttlMs":5}'))).toBeUndefined();
    expect(parsePresence(Buffer.from('{"watcher":"g","ttlMs":-1}'))).toBeUndefined();
    expect(parsePresence(Buffer.from('{"watcher":"g","ttlMs":"5"}'))).toBeUndefined();
    expect(parsePresence(Buffer.from('{"watcher":"g","ttlMs":1e12}'))).toEqual({ watcher: 'g', ttlMs: PRESENCE_TTL_MS });
  });
});
