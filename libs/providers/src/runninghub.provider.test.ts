import { buildNodeInfoList, classifyRunningHubCode, createRunningHubProvider, mapRunningHubState, parseRunningHubWebhook } from './runninghub.provider';
import type { ProviderEndpointConfig } from './provider-config';
import { addWebhookToken } from './webhook-auth';

const config: ProviderEndpointConfig = { baseUrl: 'https://rh.test', apiKey: 'rh-key', timeoutMs: 1000, webhookToleranceMs: 300_000 };

async function failure(p: Promise<unknown> | (() => unknown)): Promise<Record<string, unknown>> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    return err as Record<string, unknown>;
  }
  throw new Error('expected a failure');
}

/** A fetch answering RunningHub paths from a table, recording the bodies it got. */
function fakeRunningHub(routes: Record<string, unknown>) {
  const calls: Array<{ path: string; body: Record<string, unknown> }> = [];
  const fetchImpl = (async (url: string | URL | Request, init?: RequestInit) => {
    const path = new URL(String(url)).pathname;
    calls.push({ path, body: JSON.parse(String(init?.body)) });
    return new Response(JSON.stringify(routes[path] ?? { code: 404, msg: 'NOT_FOUND' }), { status: 200 });
  }) as typeof fetch;
  return { calls, fetchImpl };
}

describe('RunningHub mapping', () => {
  it.each([
    ['QUEUED', 'queued'],
    ['RUNNING', 'running'],
    ['SUCCESS', 'succeeded'],
    ['FAILED', 'failed'],
    ['success', 'succeeded'],
    ['CANCEL', 'cancelled'],
  ])('status %s -> %s', (raw, state) => expect(mapRunningHubState(raw)).toBe(state));

  it('unknown statuses are not mapped', () => expect(mapRunningHubState('PAUSED')).toBeUndefined());

  it.each([
    [412, 'TOKEN_INVALID', 'auth'],
    [0, 'APIKEY_INVALID', 'auth'],
    [421, 'TASK_QUEUE_MAXED', 'rate_limited'],
    [415, 'TASK_INSTANCE_MAXED', 'rate_limited'],
    [1003, '', 'rate_limited'],
    [9999, 'queue is full', 'rate_limited'],
    [416, 'TASK_CREATE_FAILED_BY_NOT_ENOUGH_WALLET', 'permanent'],
    [803, 'APIKEY_INVALID_NODE_INFO', 'bad_input'],
    [380, 'WORKFLOW_NOT_EXISTS', 'bad_input'],
    [500, 'SYSTEM_ERROR', 'transient'],
    [12345, 'something new', 'permanent'],
  ])('code %i %s -> %s', (code, msg, cls) => expect(classifyRunningHubCode(code, msg)).toBe(cls));
});

describe('buildNodeInfoList', () => {
  const settings = { nodeMap: { prompt: { nodeId: '6', fieldName: 'text' }, seed: { nodeId: 3, fieldName: 'seed' }, image: { nodeId: '10', fieldName: 'image' } } };

  it('maps named input fields through settings.nodeMap, skipping absent ones', () => {
    expect(buildNodeInfoList({ prompt: 'a cat', seed: 42, other: 'ignored' }, settings)).toEqual([
      { nodeId: '6', fieldName: 'text', fieldValue: 'a cat' },
      { nodeId: '3', fieldName: 'seed', fieldValue: 42 },
    ]);
  });

  it('takes input.nodeInfoList as given; it wins over the map for the same node and field', () => {
    const input = { prompt: 'a cat', nodeInfoList: [{ nodeId: '6', fieldName: 'text', fieldValue: 'a dog' }, { nodeId: 9, fieldName: 'steps', fieldValue: 20 }] };
    expect(buildNodeInfoList(input, settings)).toEqual([
      { nodeId: '6', fieldName: 'text', fieldValue: 'a dog' },
      { nodeId: '9', fieldName: 'steps', fieldValue: 20 },
    ]);
    expect(buildNodeInfoList({}, {})).toEqual([]);
  });

  it('rejects malformed lists (bad_input) and maps (permanent: the task type is wrong)', async () => {
    expect(await failure(() => buildNodeInfoList({ nodeInfoList: [{ nodeId: '1' }] }, {}))).toMatchObject({ errorClass: 'bad_input' });
    expect(await failure(() => buildNodeInfoList({ prompt: { nested: true } }, settings))).toMatchObject({ errorClass: 'bad_input' });
    expect(await failure(() => buildNodeInfoList({}, { nodeMap: { prompt: 'node 6' } }))).toMatchObject({ errorClass: 'permanent' });
  });
});

describe('RunningHub webhooks', () => {
  const outputs = [{ fileUrl: 'https://rh-images.test/o.mp4', fileType: 'mp4', taskCostTime: '12', nodeId: '9' }];

  it('TASK_END with outputs is success', () => {
    const body = { taskId: '190', event: 'TASK_END', eventData: JSON.stringify({ code: 0, msg: 'success', data: outputs }) };
    expect(parseRunningHubWebhook(body)).toEqual({
      externalId: '190',
      status: { externalId: '190', state: 'succeeded', progress: 100, outputs: [{ url: 'https://rh-images.test/o.mp4', contentType: 'video/mp4' }] },
    });
  });

  it('TASK_END with code 805 is failure with its reason', () => {
    const eventData = JSON.stringify({ code: 805, msg: 'APIKEY_TASK_STATUS_ERROR', data: { failedReason: { exception_type: 'RuntimeError', exception_message: 'CUDA out of memory', node_name: 'KSampler' } } });
    const parsed = parseRunningHubWebhook({ taskId: 190, event: 'TASK_END', eventData });
    expect(parsed?.status).toMatchObject({ state: 'failed', error: { class: 'transient', message: 'RuntimeError: CUDA out of memory [node KSampler]' } });
  });

  it('leaves the status undefined when the body does not carry it', () => {
    expect(parseRunningHubWebhook({ taskId: '1', event: 'TASK_START' })).toEqual({ externalId: '1' });
    expect(parseRunningHubWebhook({ taskId: '1', event: 'TASK_END', eventData: 'not json' })).toEqual({ externalId: '1' });
    expect(parseRunningHubWebhook({ taskId: '1', event: 'TASK_END', eventData: JSON.stringify({ code: 804 }) })).toEqual({ externalId: '1' });
    expect(parseRunningHubWebhook({ event: 'TASK_END' })).toBeUndefined();
  });

  it('verifies by the task-bound URL token, derives the delivery id from the body, and passes on no status (a hint)', async () => {
    const secret = 'runninghub-shared-secret';
    const p = createRunningHubProvider({ ...config, webhookSecret: secret });
    const raw = Buffer.from(JSON.stringify({ taskId: '190', event: 'TASK_END', eventData: JSON.stringify({ code: 0, data: outputs }) }));
    const url = addWebhookToken('https://loom.test/v1/webhooks/runninghub', secret, 'runninghub', 'task-9', new Date(Date.now() + 60_000));
    const event = await p.verifyWebhook({}, raw, { url });
    expect(event.externalId).toBe('190');
    expect(event.taskId).toBe('task-9');
    expect(event.status).toBeUndefined();
    expect(event.deliveryId).toMatch(/^runninghub:190:[0-9a-f]{32}$/);
    expect(await failure(p.verifyWebhook({}, raw, { url: '/v1/webhooks/runninghub?loom_token=forged' }))).toMatchObject({ errorClass: 'auth' });
  });
});

describe('RunningHub adapter', () => {
  it('submits workflowId and node list with the key in the body, and the tokenised callback', async () => {
    const { calls, fetchImpl } = fakeRunningHub({ '/task/openapi/create': { code: 0, msg: 'success', data: { taskId: 190, taskStatus: 'QUEUED' } } });
    const p = createRunningHubProvider({ ...config, webhookSecret: 'runninghub-shared-secret' }, { fetch: fetchImpl });
    const res = await p.submit({ taskId: 't', input: { prompt: 'a cat' }, settings: { workflowId: '1988', nodeMap: { prompt: { nodeId: '6', fieldName: 'text' } } }, webhookUrl: 'https://loom.test/v1/webhooks/runninghub' });
    expect(res).toEqual({ externalId: '190' });
    expect(calls[0]!.body).toMatchObject({ apiKey: 'rh-key', workflowId: '1988', nodeInfoList: [{ nodeId: '6', fieldName: 'text', fieldValue: 'a cat' }] });
    expect(String(calls[0]!.body.webhookUrl)).toMatch(/^https:\/\/loom\.test\/v1\/webhooks\/runninghub\?loom_task=t&loom_exp=\d+&loom_token=/);
  });

  it('without a webhook secret it does not ask for callbacks (polling only) and says so once', async () => {
    const { calls, fetchImpl } = fakeRunningHub({ '/task/openapi/create': { code: 0, data: { taskId: '1' } } });
    const logger = { warn: jest.fn(), debug: jest.fn() };
    const p = createRunningHubProvider(config, { fetch: fetchImpl, logger });
    await p.submit({ taskId: 't', input: {}, settings: { workflowId: 1 }, webhookUrl: 'https://loom.test/cb' });
    await p.submit({ taskId: 't2', input: {}, settings: { workflowId: 1 }, webhookUrl: 'https://loom.test/cb' });
    expect(calls[0]!.body.webhookUrl).toBeUndefined();
    expect(logger.warn).toHaveBeenCalledTimes(1);
  });

  it('reads outputs on SUCCESS, and the reason on FAILED', async () => {
    const ok = fakeRunningHub({
      '/task/openapi/status': { code: 0, data: 'SUCCESS' },
      '/task/openapi/outputs': { code: 0, data: [{ fileUrl: 'https://rh.test/o.png', fileType: 'png' }] },
    });
    expect(await createRunningHubProvider(config, { fetch: ok.fetchImpl }).getStatus('190')).toEqual({
      externalId: '190',
      state: 'succeeded',
      progress: 100,
      outputs: [{ url: 'https://rh.test/o.png', contentType: 'image/png' }],
    });
    const failed = fakeRunningHub({
      '/task/openapi/status': { code: 0, data: 'FAILED' },
      '/task/openapi/outputs': { code: 805, msg: 'APIKEY_TASK_STATUS_ERROR', data: { failedReason: { exception_message: 'Prompt outputs failed validation' } } },
    });
    expect(await createRunningHubProvider(config, { fetch: failed.fetchImpl }).getStatus('191')).toMatchObject({
      state: 'failed',
      error: { class: 'bad_input', message: 'Prompt outputs failed validation' },
    });
    const race = fakeRunningHub({ '/task/openapi/status': { code: 0, data: 'SUCCESS' }, '/task/openapi/outputs': { code: 804, msg: 'APIKEY_TASK_IS_RUNNING' } });
    expect((await createRunningHubProvider(config, { fetch: race.fetchImpl }).getStatus('192')).state).toBe('running');
  });

  it('turns business codes into classified errors with actionable auth messages', async () => {
    const bad = fakeRunningHub({ '/task/openapi/status': { code: 412, msg: 'TOKEN_INVALID', data: null } });
    const err = await failure(createRunningHubProvider(config, { fetch: bad.fetchImpl }).getStatus('1'));
    expect(err).toMatchObject({ errorClass: 'auth' });
    expect(err.message).toContain('check RUNNINGHUB_API_KEY');
    const full = fakeRunningHub({ '/task/openapi/create': { code: 421, msg: 'TASK_QUEUE_MAXED' } });
    expect(await failure(createRunningHubProvider(config, { fetch: full.fetchImpl }).submit({ taskId: 't', input: {}, settings: { workflowId: '1' } }))).toMatchObject({ errorClass: 'rate_limited' });
  });

  it('needs settings.workflowId', async () => {
    expect(await failure(createRunningHubProvider(config).submit({ taskId: 't', input: {}, settings: {} }))).toMatchObject({ errorClass: 'permanent' });
  });
});
