// submit-many's file: every bad line named by its number, blank lines skipped, and the
// gateway's `tasks.<i>` turned back into lines.
import { lineOf, parseTaskLines } from './task-lines';

const usageErrorOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    if ((err as { isUsageError?: boolean }).isUsageError) return (err as Error).message;
    throw err;
  }
  throw new Error('expected a UsageError');
};

describe('parseTaskLines', () => {
  it('gives each task with its line number, skipping blank lines', () => {
    const text = '{"type":"a","input":{"x":1}}\r\n\n  \n{"type":"b","idempotencyKey":"k","timeoutMs":5,"priority":-2}\n';
    expect(parseTaskLines(text, 'f')).toEqual([
      { line: 1, task: { type: 'a', input: { x: 1 } } },
      { line: 4, task: { type: 'b', idempotencyKey: 'k', timeoutMs: 5, priority: -2 } },
    ]);
  });

  it('lists every bad line with its number', () => {
    const text = ['{"type":"a"}', '{"type":', '"a"', '{"input":{}}', '{"type":"a","input":[1]}', '{"type":"a","idempotencyKey":""}', '{"type":"a","timeoutMs":1.5}', '{"type":"a","extra":1}'].join('\n');
    const message = usageErrorOf(() => parseTaskLines(text, 'tasks.jsonl'));
    expect(message.split('\n  ')).toEqual([
      'tasks.jsonl: 7 bad lines, nothing was sent:',
      expect.stringMatching(/^line 2: not valid JSON/),
      'line 3: not a JSON object',
      expect.stringMatching(/^line 4: type: /),
      'line 5: input: a JSON object',
      'line 6: idempotencyKey: a non-empty string',
      'line 7: timeoutMs: an integer',
      expect.stringMatching(/^line 8: unknown field "extra"/),
    ]);
  });

  it('counts what it does not list, and refuses a file without tasks', () => {
    const message = usageErrorOf(() => parseTaskLines(Array(25).fill('x').join('\n'), 'f'));
    expect(message).toContain('25 bad lines');
    expect(message).toContain('... and 5 more bad lines');
    expect(usageErrorOf(() => parseTaskLines('\n\n', 'stdin'))).toMatch(/^stdin: no tasks/);
  });
});

describe('lineOf', () => {
  it("names the file's lines where the gateway named tasks.<i>", () => {
    const lines = parseTaskLines('\n{"type":"a"}\n\n{"type":"b"}', 'f');
    expect(lineOf(lines, 'invalid request: tasks.1.input.ms: Expected number')).toBe('invalid request: line 4 input.ms: Expected number');
    expect(lineOf(lines, 'tasks.0: unknown task type "a"')).toBe('line 2: unknown task type "a"');
    expect(lineOf(lines, 'tasks.9: out of range')).toBe('tasks.9: out of range');
  });
});
