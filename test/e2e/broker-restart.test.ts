// Restart RabbitMQ while tasks are in flight: every task still ends in a terminal state.
import { spawnSync } from 'node:child_process';
import { TestSystem } from '../support/system';

const canRestart = spawnSync('sh', ['-c', 'command -v rabbitmqctl']).status === 0 && !process.env.AMQP_URL_EXTERNAL;

(canRestart ? describe : describe.skip)('RabbitMQ restart with tasks in flight', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await TestSystem.start('e2e-broker', { types: { 'br.one': { handler: 'sleep' }, 'br.two': { handler: 'sleep' } } });
  });
  afterAll(() => sys?.stop());

  it('ends every task after the broker application restarts', async () => {
    const tasks = [];
    for (let i = 0; i < 4; i++) {
      tasks.push(await sys.submit('br.one', { ms: 700 }));
      tasks.push(await sys.submit('br.two', { ms: 700 }));
    }
    await sys.waitForStatus(tasks[0]!.id, 'running');
    // stop_app/start_app restarts RabbitMQ itself inside its Erlang node: every connection is
    // dropped and the durable queues come back from disk, as in a broker restart.
    expect(spawnSync('rabbitmqctl', ['stop_app'], { stdio: 'ignore', timeout: 60_000 }).status).toBe(0);
    await new Promise((r) => setTimeout(r, 1500));
    expect(spawnSync('rabbitmqctl', ['start_app'], { stdio: 'ignore', timeout: 60_000 }).status).toBe(0);

    const done = await Promise.all(tasks.map((t) => sys.waitForTerminal(t.id, 90_000)));
    expect(done.map((t) => t.status)).toEqual(Array(8).fill('succeeded'));
  });
});
