// Work bundles: the codec refuses what is not a bundle, and the bundler groups one turn's work
// messages per type, in order, within each type's limit.
import { createWorkBundler, decodeBundle, encodeBundle, type BundleItem } from './work-bundles';

describe('work bundles', () => {
  it('decodes what it encoded, and names what is wrong with anything else', () => {
    const items: BundleItem[] = [
      { id: 'a', headers: { traceparent: '00-1-2-01' }, body: '{"name":"task.run"}' },
      { id: 'b', headers: {}, body: '{}' },
    ];
    expect(decodeBundle(encodeBundle(items))).toEqual(items);
    expect((decodeBundle(Buffer.from('nope')) as Error).message).toBe('work bundle: body is not JSON');
    expect((decodeBundle(Buffer.from('{"items":[]}')) as Error).message).toMatch(/^work bundle: items: /);
    expect((decodeBundle(Buffer.from('{"items":[{"id":"a","headers":{},"body":1}]}')) as Error).message).toMatch(/^work bundle: items\.0\.body: /);
  });

  it('sends the messages of one turn per type in bundles of at most its limit, in order, and a type without bundles at once', async () => {
    const sent: string[][] = [];
    const bundler = createWorkBundler<{ routingKey: string; id: string }>(
      (type) => (type === 'solo' ? 1 : 2),
      async (ms) => void sent.push(ms.map((m) => m.id)),
    );
    const all = ['a1', 'b1', 'a2', 'a3', 's1', 'b2', 'a4', 'a5'].map((id) => bundler.publish({ routingKey: id[0] === 's' ? 'solo' : id[0]!, id }));
    expect(sent).toEqual([['s1']]);
    await Promise.all(all);
    expect(sent).toEqual([['s1'], ['a1', 'a2'], ['a3', 'a4'], ['a5'], ['b1', 'b2']]);
  });

  it("fails every message of a bundle whose publish failed, and only those", async () => {
    const bundler = createWorkBundler<{ routingKey: string; id: string }>(
      () => 2,
      async (ms) => {
        if (ms[0]!.id === 'x1') throw new Error('refused');
      },
    );
    const results = await Promise.allSettled(['x1', 'x2', 'x3'].map((id) => bundler.publish({ routingKey: 't', id })));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
  });
});
