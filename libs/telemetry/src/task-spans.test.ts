// The spans that name what happened to a task: their names, attributes and parents, and that a
// failure is recorded. In-memory exporter, no servers.
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { inBatchSettleSpan, inSettleSpan, inSubmitSpan, inUploadSpan } from './task-spans';

const exporter = new InMemorySpanExporter();
beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
});
afterEach(() => exporter.reset());

it('names a submit by its type, as a child of the active span', async () => {
  const request = trace.getTracer('test').startSpan('POST /v1/tasks');
  await context.with(trace.setSpan(context.active(), request), () => inSubmitSpan('demo.sora', async () => undefined));
  request.end();
  const [submit] = exporter.getFinishedSpans().filter((s) => s.name.startsWith('submit'));
  expect(submit!.name).toBe('submit demo.sora');
  expect(submit!.attributes).toEqual({ 'loom.task.type': 'demo.sora' });
  expect(submit!.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
});

it('names an upload by its file and, once stored, its size', async () => {
  const stored = await inUploadSpan({ taskId: 't-1', key: 'acme/t-1/0.mp4' }, async () => ({ size: 262144 }));
  expect(stored.size).toBe(262144);
  const [upload] = exporter.getFinishedSpans();
  expect(upload!.name).toBe('upload 0.mp4 262144 bytes');
  expect(upload!.attributes).toEqual({ 'loom.task.id': 't-1', 'loom.output.key': 'acme/t-1/0.mp4', 'loom.output.bytes': 262144 });
});

it('names a settlement by what it moved, and records a failure', async () => {
  await inSettleSpan({ action: 'capture', credits: 10, taskId: 't-1' }, async () => undefined);
  await expect(inSettleSpan({ action: 'release', credits: 3 }, async () => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
  await inBatchSettleSpan({ batchId: 'b-1', items: 3, captured: 2, released: 1 }, async () => undefined);
  const [capture, release, batch] = exporter.getFinishedSpans();
  expect(capture!.name).toBe('settle capture 10 credits');
  expect(capture!.attributes).toMatchObject({ 'loom.task.id': 't-1', 'loom.settlement.credits': 10 });
  expect(release!.name).toBe('settle release 3 credits');
  expect(release!.status.code).toBe(2);
  expect(batch!.name).toBe('settle batch 3 items: capture 2, release 1 credits');
});
