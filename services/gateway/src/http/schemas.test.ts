import { zodIssues } from './errors';
import { bulkCancelBody, cleanupBody, listTasksQuery, MAX_SUBMIT_MANY, submitManyBody, submitTaskBody } from './schemas';

const issuesOf = (r: { success: boolean; error?: unknown }) => (r.success ? [] : zodIssues(r.error as never).map((i) => i.path));

describe('submitManyBody', () => {
  it('takes 1 to MAX_SUBMIT_MANY tasks, each checked like a single submission and named by its index', () => {
    const many = (n: number) => ({ tasks: Array.from({ length: n }, () => ({ type: 'x' })) });
    expect(submitManyBody.parse(many(MAX_SUBMIT_MANY)).tasks).toHaveLength(MAX_SUBMIT_MANY);
    expect(issuesOf(submitManyBody.safeParse(many(MAX_SUBMIT_MANY + 1)))).toEqual(['tasks']);
    expect(issuesOf(submitManyBody.safeParse(many(0)))).toEqual(['tasks']);
    expect(issuesOf(submitManyBody.safeParse({ tasks: [{ type: 'x' }, { type: 'x', priority: 1.5 }] }))).toEqual(['tasks.1.priority']);
    expect(issuesOf(submitManyBody.safeParse({ tasks: [], extra: 1 }))).toEqual(expect.arrayContaining(['extra']));
  });
});

describe('submitTaskBody', () => {
  it('accepts a minimal body and fills the defaults', () => {
    expect(submitTaskBody.parse({ type: 'demo.image' })).toEqual({ type: 'demo.image', input: {}, priority: 0 });
  });

  it('names the missing type, a wrong timeout and an unknown field', () => {
    expect(issuesOf(submitTaskBody.safeParse({ input: {} }))).toEqual(['type']);
    expect(issuesOf(submitTaskBody.safeParse({ type: 'x', timeoutMs: -1 }))).toEqual(['timeoutMs']);
    expect(issuesOf(submitTaskBody.safeParse({ type: 'x', colour: 'red' }))).toEqual(['colour']);
    expect(issuesOf(submitTaskBody.safeParse({ type: 'x', priority: 1.5 }))).toEqual(['priority']);
  });

  it('names the body itself when it is not an object', () => {
    expect(issuesOf(submitTaskBody.safeParse(undefined))).toEqual(['(root)']);
  });
});

describe('listTasksQuery', () => {
  it('defaults to page 1 of 20 and coerces numbers from the query string', () => {
    expect(listTasksQuery.parse({})).toEqual({ page: 1, pageSize: 20 });
    expect(listTasksQuery.parse({ page: '3', pageSize: '100', status: 'queued' })).toEqual({ page: 3, pageSize: 100, status: 'queued' });
  });

  it('refuses a page size over 100, page 0, a non-number and an unknown status', () => {
    expect(issuesOf(listTasksQuery.safeParse({ pageSize: '101' }))).toEqual(['pageSize']);
    expect(issuesOf(listTasksQuery.safeParse({ page: '0' }))).toEqual(['page']);
    expect(issuesOf(listTasksQuery.safeParse({ page: 'two' }))).toEqual(['page']);
    expect(issuesOf(listTasksQuery.safeParse({ status: 'done' }))).toEqual(['status']);
  });
});

describe('bulkCancelBody', () => {
  it('takes exactly one of ids, types or all', () => {
    expect(bulkCancelBody.safeParse({ ids: ['a'] }).success).toBe(true);
    expect(bulkCancelBody.safeParse({ types: ['demo.image'] }).success).toBe(true);
    expect(bulkCancelBody.safeParse({ all: true }).success).toBe(true);
    expect(bulkCancelBody.safeParse({}).success).toBe(false);
    expect(bulkCancelBody.safeParse({ ids: ['a'], all: true }).success).toBe(false);
    expect(bulkCancelBody.safeParse({ all: false }).success).toBe(false);
    expect(issuesOf(bulkCancelBody.safeParse({ ids: [] }))).toEqual(['ids']);
  });
});

describe('cleanupBody', () => {
  it('takes finished statuses and a date or an age in ms', () => {
    expect(cleanupBody.safeParse({ statuses: ['failed'], olderThan: '2030-01-01T00:00:00Z' }).success).toBe(true);
    expect(cleanupBody.safeParse({ statuses: ['succeeded', 'cancelled'], olderThan: 60_000 }).success).toBe(true);
  });

  it('refuses no statuses, an unfinished status and a bad date', () => {
    expect(issuesOf(cleanupBody.safeParse({ statuses: [], olderThan: 0 }))).toEqual(['statuses']);
    expect(issuesOf(cleanupBody.safeParse({ statuses: ['running'], olderThan: 0 }))).toEqual(['statuses.0']);
    expect(issuesOf(cleanupBody.safeParse({ statuses: ['failed'], olderThan: 'yesterday' }))).toEqual(['olderThan']);
  });
});
