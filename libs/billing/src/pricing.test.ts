import { priceSchema } from '@loom/config';
import { priceOf } from './pricing';

describe('priceOf', () => {
  const video = priceSchema.parse({
    credits: 20,
    perInputField: { field: 'model', values: { 'veo3.1-fast': 30, 'veo3.1-pro': 90, free: 0 } },
  });

  it('is 0 for a type without a price (free)', () => {
    expect(priceOf(undefined, { ms: 1 })).toBe(0);
  });

  it('is the flat price when there is no per-input rule', () => {
    expect(priceOf({ credits: 5 }, { anything: true })).toBe(5);
  });

  it('picks the price of the input value, and the flat price for a value not listed', () => {
    expect(priceOf(video, { model: 'veo3.1-pro' })).toBe(90);
    expect(priceOf(video, { model: 'veo3.1-fast' })).toBe(30);
    expect(priceOf(video, { model: 'free' })).toBe(0);
    expect(priceOf(video, { model: 'sora-2' })).toBe(20);
    expect(priceOf(video, {})).toBe(20);
    expect(priceOf(video, null)).toBe(20);
  });

  it('reads numbers and dotted paths, and never inherited keys', () => {
    const byDuration = priceSchema.parse({ credits: 10, perInputField: { field: 'options.seconds', values: { '4': 10, '8': 20 } } });
    expect(priceOf(byDuration, { options: { seconds: 8 } })).toBe(20);
    expect(priceOf(byDuration, { options: { seconds: 12 } })).toBe(10);
    expect(priceOf(byDuration, { options: [8] })).toBe(10);
    expect(priceOf({ credits: 3, perInputField: { field: 'model', values: {} } }, { model: 'constructor' })).toBe(3);
  });

  it('refuses negative or fractional prices and unknown fields in the configuration', () => {
    expect(priceSchema.safeParse({ credits: -1 }).success).toBe(false);
    expect(priceSchema.safeParse({ credits: 1.5 }).success).toBe(false);
    expect(priceSchema.safeParse({ credits: 1, perInputField: { field: 'm', values: { a: -2 } } }).success).toBe(false);
    expect(priceSchema.safeParse({ credits: 1, perTask: 2 }).success).toBe(false);
  });
});
