// What a task costs: its type's price rule applied to its input (after the handler's defaults).
// Pure; the gateway fixes the result on the task at submission.
import type { PriceRule } from '@loom/config';

export function priceOf(rule: PriceRule | undefined, input: unknown): number {
  if (!rule) return 0;
  const by = rule.perInputField;
  if (by) {
    const value = valueAt(input, by.field);
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      const price = Object.hasOwn(by.values, String(value)) ? by.values[String(value)] : undefined;
      if (price !== undefined) return price;
    }
  }
  return rule.credits;
}

/** The value at a dotted path ("options.model") of a plain object, or undefined. */
function valueAt(input: unknown, dotted: string): unknown {
  let cur: unknown = input;
  for (const part of dotted.split('.')) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || !Object.hasOwn(cur, part)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}
