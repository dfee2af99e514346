import { taskTypeSchema } from '@loom/config';
import { resolveHandlers } from '@loom/handlers';
import { createTaskCatalog } from './task-catalog';

const types = {
  'demo.image': taskTypeSchema.parse({ handler: 'sleep', timeoutMs: 60_000, maxTimeoutMs: 120_000, maxAttempts: 2 }),
};
const catalog = createTaskCatalog(types, resolveHandlers(types));

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return { code: (err as { code: string }).code, details: (err as { details?: unknown }).details };
  }
  throw new Error('expected a throw');
};

describe('task catalog', () => {
  it("prepares a valid submission with the handler's defaults and the type's policy", () => {
    expect(catalog.prepare({ type: 'demo.image', input: { ms: 5 } })).toEqual({
      type: 'demo.image',
      input: { ms: 5, progressSteps: 0, failAttempts: 0 },
      timeoutMs: 60_000,
      maxAttempts: 2,
    });
    expect(catalog.prepare({ type: 'demo.image', input: { ms: 5 }, timeoutMs: 120_000 }).timeoutMs).toBe(120_000);
  });

  it('refuses an unknown type with UNKNOWN_TASK_TYPE', () => {
    expect(codeOf(() => catalog.prepare({ type: 'nope', input: {} })).code).toBe('UNKNOWN_TASK_TYPE');
  });

  it('names the failing input field under input.', () => {
    expect(codeOf(() => catalog.prepare({ type: 'demo.image', input: { ms: 'ten' } }))).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [{ path: 'input.ms' }],
    });
    expect(codeOf(() => catalog.prepare({ type: 'demo.image', input: { ms: 1, colour: 'red' } }))).toMatchObject({
      details: [{ path: 'input.colour', message: 'unknown field' }],
    });
  });

  it('refuses a timeout above the maximum of the type', () => {
    expect(codeOf(() => catalog.prepare({ type: 'demo.image', input: { ms: 1 }, timeoutMs: 120_001 }))).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [{ path: 'timeoutMs' }],
    });
  });

  it('prices a task from its type (free without a price) and shows the price in the description', () => {
    const priced = {
      'demo.image': types['demo.image'],
      'demo.video': taskTypeSchema.parse({ handler: 'sleep', price: { credits: 10, perInputField: { field: 'progressSteps', values: { '4': 25 } } } }),
    };
    const c = createTaskCatalog(priced, resolveHandlers(priced));
    expect(c.hasPrices()).toBe(true);
    expect(catalog.hasPrices()).toBe(false);
    expect(c.priceOf('demo.image', { ms: 1 })).toBe(0);
    expect(c.priceOf('demo.video', c.prepare({ type: 'demo.video', input: { ms: 1 } }).input)).toBe(10);
    expect(c.priceOf('demo.video', c.prepare({ type: 'demo.video', input: { ms: 1, progressSteps: 4 } }).input)).toBe(25);
    expect(c.describe().map((d) => [d.type, d.price])).toEqual([
      ['demo.image', null],
      ['demo.video', { credits: 10, perInputField: { field: 'progressSteps', values: { '4': 25 } } }],
    ]);
  });

  it('describes each type with the JSON schema of what a client sends', () => {
    const [d] = catalog.describe();
    expect(d).toMatchObject({ type: 'demo.image', handler: 'sleep', concurrency: 1, timeoutMs: 60_000, maxAttempts: 2, rerunnable: true });
    expect(d!.description).toMatch(/Sleeps/);
    expect(d!.inputSchema).toMatchObject({ type: 'object', required: ['ms'], additionalProperties: false });
  });
});
