// Secrets in query strings never leave a process in a span: the gateway's server spans record
// `url.query`, and callers put API keys there (`?apiKey=` on the live streams) as providers put
// Loom's webhook tokens (`loom_token`). Checked on what the services really export, received by
// the test's OTLP receiver.
import { OtlpReceiver } from '../support/otlp-receiver';
import { until } from '../support/until';
import { TestSystem } from '../support/system';

describe('telemetry: no secret in exported spans', () => {
  let receiver: OtlpReceiver;
  let sys: TestSystem;
  beforeAll(async () => {
    receiver = await new OtlpReceiver().start();
    sys = await TestSystem.start('redact', {
      types: { 'redact.sleep': { handler: 'sleep' } },
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_METRICS_EXPORTER: 'none',
        OTEL_BSP_SCHEDULE_DELAY: '200',
        GRSAI_WEBHOOK_SECRET: 'a-webhook-secret-for-the-test',
      },
    });
  });
  afterAll(async () => {
    await sys?.stop();
    await receiver?.stop();
  });

  it('redacts API keys and webhook tokens from url.query', async () => {
    const token = 'tok-' + 'x'.repeat(40);
    const listed = await fetch(`${sys.gatewayUrl}/v1/tasks?apiKey=${encodeURIComponent(sys.apiKey)}&pageSize=5`, { headers: { authorization: `Bearer ${sys.apiKey}` } });
    expect(listed.status).toBe(200);
    const hook = await fetch(`${sys.gatewayUrl}/v1/webhooks/grsai?loom_task=t1&loom_exp=9999999999&loom_token=${token}`, { method: 'POST', body: '{}' });
    expect(hook.status).toBe(401);

    const serverSpan = (path: string) => receiver.spans.find((s) => s.service === 'gateway' && s.kind === 2 && s.attributes['url.path'] === path);
    const list = await until('the gateway span of GET /v1/tasks', () => serverSpan('/v1/tasks'));
    const webhook = await until('the gateway span of the webhook', () => serverSpan('/v1/webhooks/grsai'));
    expect(list.attributes['url.query']).toBe('apiKey=REDACTED&pageSize=5');
    expect(webhook.attributes['url.query']).toBe('loom_task=t1&loom_exp=9999999999&loom_token=REDACTED');
    const everything = JSON.stringify(receiver.spans);
    expect(everything.includes(sys.apiKey)).toBe(false);
    expect(everything.includes(token)).toBe(false);
  });
});
