import { z } from 'zod';
import {
  InternalError,
  TaskFinishedError,
  TaskNotFoundError,
  UnknownTaskTypeError,
  ValidationError,
  toErrorResponse,
  zodIssues,
} from './errors';

describe('toErrorResponse', () => {
  it('answers each error class with its status and stable code', () => {
    expect(toErrorResponse(new TaskNotFoundError('t1'))).toEqual({ status: 404, body: { error: { code: 'TASK_NOT_FOUND', message: 'task t1 not found' } } });
    expect(toErrorResponse(new TaskFinishedError('done')).status).toBe(409);
    expect(toErrorResponse(new UnknownTaskTypeError('nope')).body.error.code).toBe('UNKNOWN_TASK_TYPE');
    expect(toErrorResponse(new UnknownTaskTypeError('nope')).status).toBe(422);
  });

  it('carries the failing fields of a validation error in details', () => {
    const { status, body } = toErrorResponse(ValidationError.field('input.ms', 'expected number'));
    expect(status).toBe(400);
    expect(body.error).toEqual({ code: 'VALIDATION_FAILED', message: 'invalid request: input.ms: expected number', details: [{ path: 'input.ms', message: 'expected number' }] });
  });

  it("maps body-parser's errors: too large -> 413, bad JSON -> 400", () => {
    expect(toErrorResponse(Object.assign(new Error('too big'), { type: 'entity.too.large', status: 413 }))).toMatchObject({
      status: 413,
      body: { error: { code: 'PAYLOAD_TOO_LARGE' } },
    });
    expect(toErrorResponse(Object.assign(new SyntaxError('Unexpected token'), { type: 'entity.parse.failed', status: 400 }))).toMatchObject({
      status: 400,
      body: { error: { code: 'MALFORMED_JSON' } },
    });
  });

  it('hides anything else behind a 500 without internals', () => {
    const { status, body } = toErrorResponse(Object.assign(new Error('E11000 duplicate key at db.tasks'), { code: 11000 }));
    expect(status).toBe(500);
    expect(body.error).toEqual({ code: 'INTERNAL', message: 'internal error' });
    expect(toErrorResponse(new InternalError('x')).status).toBe(500);
  });

  it('recognises its errors by shape, not by instanceof', () => {
    const foreign = { isApiError: true, code: 'TASK_NOT_FOUND', status: 404, message: 'from another module copy' };
    expect(toErrorResponse(foreign).status).toBe(404);
  });
});

describe('zodIssues', () => {
  it('prefixes paths and reports each unknown key at its own path', () => {
    const schema = z.object({ ms: z.number(), nested: z.object({ a: z.string() }) }).strict();
    const r = schema.safeParse({ ms: '1', nested: { a: 1 }, extra: true });
    expect(r.success).toBe(false);
    expect(zodIssues(r.error!, 'input').map((i) => i.path).sort()).toEqual(['input.extra', 'input.ms', 'input.nested.a']);
  });
});
