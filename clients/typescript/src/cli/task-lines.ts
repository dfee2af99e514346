// The tasks of `loom tasks submit-many`: a JSON Lines file, one task a line as POST /v1/tasks
// takes it ({type, input, idempotencyKey?, timeoutMs?, priority?}); blank lines are skipped.
// Every bad line is reported with its number before anything is sent, so a file is sent whole
// or not at all; what only the gateway can check (the input against its type) comes back
// naming `tasks.<i>`, which lineOf turns into the line again.
import type { SubmitTask } from '../client';
import { UsageError } from './usage-error';

export interface TaskLine {
  /** 1-based, in the file. */
  line: number;
  task: SubmitTask;
}

const FIELDS = ['type', 'input', 'idempotencyKey', 'timeoutMs', 'priority'];
/** How many bad lines one error lists; the rest are counted. */
const MAX_REPORTED = 20;

/** The problem of one parsed line, or undefined when it is a task. */
function problemOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const o = value as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !FIELDS.includes(k));
  if (unknown.length) return `unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k)).join(', ')} (a task has ${FIELDS.join(', ')})`;
  if (typeof o.type !== 'string' || o.type === '') return 'type: a task type is needed (a non-empty string; GET /v1/task-types lists them)';
  if (o.input !== undefined && (typeof o.input !== 'object' || o.input === null || Array.isArray(o.input))) return 'input: a JSON object';
  if (o.idempotencyKey !== undefined && (typeof o.idempotencyKey !== 'string' || o.idempotencyKey === '')) return 'idempotencyKey: a non-empty string';
  for (const k of ['timeoutMs', 'priority'] as const) if (o[k] !== undefined && !Number.isInteger(o[k])) return `${k}: an integer`;
  return undefined;
}

/** The tasks of a JSON Lines text, or a UsageError listing every bad line of `source`. */
export function parseTaskLines(text: string, source: string): TaskLine[] {
  const tasks: TaskLine[] = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    if (raw.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      return void problems.push(`line ${i + 1}: not valid JSON (${err instanceof Error ? err.message : err})`);
    }
    const problem = problemOf(value);
    if (problem) problems.push(`line ${i + 1}: ${problem}`);
    else tasks.push({ line: i + 1, task: value as SubmitTask });
  });
  if (problems.length) {
    const more = problems.length > MAX_REPORTED ? [`... and ${problems.length - MAX_REPORTED} more bad lines`] : [];
    throw new UsageError([`${source}: ${problems.length} bad line${problems.length > 1 ? 's' : ''}, nothing was sent:`, ...problems.slice(0, MAX_REPORTED), ...more].join('\n  '));
  }
  if (tasks.length === 0) throw new UsageError(`${source}: no tasks (one JSON object a line: {"type": ..., "input": {...}})`);
  return tasks;
}

/** `tasks.<i>` (the i-th task sent) as `line <n>` of the file, wherever a message or field names it. */
export function lineOf(lines: TaskLine[], text: string): string {
  return text.replace(/\btasks\.(\d+)(\.|\b)/g, (whole, i: string, dot: string) => {
    const l = lines[Number(i)];
    return l ? `line ${l.line}${dot ? ' ' : ''}` : whole;
  });
}
