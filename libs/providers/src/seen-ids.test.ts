import { SeenIds } from './seen-ids';

describe('SeenIds', () => {
  it('remembers an id until its ttl passes', () => {
    let now = 0;
    const seen = new SeenIds(10, 1000, () => now);
    expect(seen.remember('a')).toBe(true);
    expect(seen.remember('a')).toBe(false);
    now = 999;
    expect(seen.remember('a')).toBe(false);
    now = 1000;
    expect(seen.remember('a')).toBe(true);
  });

  it('keeps at most `max` ids, dropping the oldest', () => {
    const seen = new SeenIds(3, 60_000, () => 0);
    for (const id of ['a', 'b', 'c', 'd']) expect(seen.remember(id)).toBe(true);
    expect(seen.size).toBe(3);
    expect(seen.remember('a')).toBe(true); // evicted, so accepted again
    expect(seen.remember('d')).toBe(false);
  });

  it('drops expired ids as time passes, so memory follows the window', () => {
    let now = 0;
    const seen = new SeenIds(1000, 100, () => now);
    for (let i = 0; i < 50; i++) seen.remember(`id${i}`);
    now = 200;
    seen.remember('fresh');
    expect(seen.size).toBe(1);
  });
});
