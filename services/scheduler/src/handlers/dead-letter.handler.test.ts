// What the scheduler does with a dead task.run: fail the task only when the message was poison,
// never because the broker's delivery limit counted returns (broker restarts).
import { createEnvelope, TaskRunV1 } from '@loom/contracts';
import type { ReceivedMessage } from '@loom/messaging';
import type { Store, TaskRecord } from '@loom/store';
import { createLogger } from '@loom/telemetry';
import { createDeadLetterHandler } from './dead-letter.handler';

const logger = createLogger('test');

function fakeTasks(task: Partial<TaskRecord> | null) {
  const calls = { fail: 0, resend: 0 };
  const tasks = {
    get: async () => (task ? ({ _id: 't1', tenantId: 'x', type: 'demo', attempt: 1, ...task } as TaskRecord) : null),
    fail: async () => {
      calls.fail++;
      return {} as TaskRecord;
    },
    resendRun: async () => {
      calls.resend++;
      return true;
    },
  } as unknown as Store['tasks'];
  return { store: { tasks }, calls };
}

const dead = (deathReason: string): ReceivedMessage<{ type: string; attempt: number }> => ({
  envelope: createEnvelope(TaskRunV1, { type: 'demo', attempt: 1 }, { tenantId: 'x', taskId: 't1' }),
  traceHeaders: {},
  routingKey: 'demo',
  redelivered: false,
  deathReason,
});

describe('dead task.run messages', () => {
  it('fail their task when they were poison (rejected, or a handler gave up)', async () => {
    const { store, calls } = fakeTasks({ status: 'queued' });
    await createDeadLetterHandler({ store, logger })(dead('rejected'));
    await createDeadLetterHandler({ store, logger })(dead('unreadable task.run: bad payload'));
    expect(calls).toEqual({ fail: 2, resend: 0 });
  });

  it('send a queued task its task.run again after the delivery limit (broker returns are not failures)', async () => {
    const { store, calls } = fakeTasks({ status: 'queued' });
    await createDeadLetterHandler({ store, logger })(dead('delivery_limit'));
    expect(calls).toEqual({ fail: 0, resend: 1 });
  });

  it('leave a running task whose executor holds a valid lease alone, and resend one whose lease lapsed', async () => {
    const live = fakeTasks({ status: 'running', lease: { owner: 'e1', token: 'k', expiresAt: new Date(Date.now() + 60_000) } });
    await createDeadLetterHandler({ store: live.store, logger })(dead('delivery_limit'));
    expect(live.calls).toEqual({ fail: 0, resend: 0 });
    const lapsed = fakeTasks({ status: 'running', lease: { owner: 'e1', token: 'k', expiresAt: new Date(Date.now() - 1_000) } });
    await createDeadLetterHandler({ store: lapsed.store, logger })(dead('delivery_limit'));
    expect(lapsed.calls).toEqual({ fail: 0, resend: 1 });
  });

  it('ignore the message of an older attempt', async () => {
    const { store, calls } = fakeTasks({ status: 'queued', attempt: 2 });
    await createDeadLetterHandler({ store, logger })(dead('delivery_limit'));
    expect(calls).toEqual({ fail: 0, resend: 0 });
  });
});
