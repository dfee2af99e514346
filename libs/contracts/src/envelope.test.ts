import { createEnvelope, parseEnvelope } from './envelope';
import { TaskRunV1 } from './messages/task-run.v1';
import { TaskSucceededV1 } from './messages/task-succeeded.v1';

describe('message envelope', () => {
  const env = createEnvelope(TaskRunV1, { type: 'img', attempt: 2 }, { tenantId: 't1', taskId: 'task-1' });

  it('round-trips through JSON with its id, time, tenant and correlation', () => {
    const parsed = parseEnvelope(TaskRunV1, Buffer.from(JSON.stringify(env)));
    expect(parsed).toMatchObject({ name: 'task.run', version: 1, tenantId: 't1', taskId: 'task-1', correlationId: 'task-1' });
    expect(parsed.payload).toEqual({ type: 'img', attempt: 2 });
    expect(parsed.messageId).toMatch(/[0-9a-f-]{36}/);
  });

  it('names the bad field of a payload that breaks the contract', () => {
    const bad = { ...env, payload: { type: 'img', attempt: 'two' } };
    expect(() => parseEnvelope(TaskRunV1, JSON.stringify(bad))).toThrow(/attempt/);
  });

  it('refuses another message, an unknown version, and non-JSON', () => {
    expect(() => parseEnvelope(TaskSucceededV1, JSON.stringify(env))).toThrow('expected task.succeeded, got task.run');
    expect(() => parseEnvelope(TaskRunV1, JSON.stringify({ ...env, version: 2 }))).toThrow('version 2 is not understood');
    expect(() => parseEnvelope(TaskRunV1, 'not json')).toThrow('body is not JSON');
  });
});
