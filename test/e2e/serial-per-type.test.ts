// Five processes on the real servers: tasks of one type never overlap in time, while two
// types run side by side.
import { intervals, overlaps, TestSystem } from '../support/system';

describe('serial per type, concurrent across types', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await TestSystem.start('e2e-serial', { types: { 'img.gen': { handler: 'sleep' }, 'vid.gen': { handler: 'sleep' } } });
  });
  afterAll(() => sys?.stop());

  it('runs 5 tasks of each of two types: never two of a type at once, the types overlapping', async () => {
    const submitted = [];
    for (let i = 0; i < 5; i++) {
      submitted.push(await sys.submit('img.gen', { ms: 300 }));
      submitted.push(await sys.submit('vid.gen', { ms: 300 }));
    }
    const done = await Promise.all(submitted.map((t) => sys.waitForTerminal(t.id, 60_000)));
    expect(done.map((t) => t.status)).toEqual(Array(10).fill('succeeded'));

    const byType = (type: string) => intervals(done.filter((t) => t.type === type)).sort((a, b) => a[0] - b[0]);
    for (const type of ['img.gen', 'vid.gen']) {
      const iv = byType(type);
      expect(iv).toHaveLength(5);
      for (let i = 1; i < iv.length; i++) expect(iv[i]![0]).toBeGreaterThanOrEqual(iv[i - 1]![1]);
    }
    const crossOverlaps = byType('img.gen').filter((a) => byType('vid.gen').some((b) => overlaps(a, b)));
    expect(crossOverlaps.length).toBeGreaterThan(0);
  });
});
