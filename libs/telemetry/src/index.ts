export { createLogger, traceFields, type Logger } from './logger';
export { startTelemetry, shutdownTelemetry, telemetryMode, instanceId, serveMetrics, type TelemetryMode, type TelemetryOptions } from './tracing';
export { inSubmitSpan, inSubmitManySpan, inUploadSpan, inSettleSpan, inBatchSettleSpan } from './task-spans';
export {
  startPublishSpan,
  runInProcessSpan,
  inSpan,
  inTaskTrace,
  annotateActiveSpan,
  recordActiveSpanError,
  contextFromHeaders,
  traceHeadersFor,
  MSG,
  LOOM,
  type PublishInfo,
  type PublishSpan,
  type ProcessInfo,
} from './messaging-spans';
export {
  loomMeter,
  recordTaskSubmitted,
  recordTaskFinished,
  recordQueueWait,
  recordProviderCall,
  recordTaskError,
  recordProviderPause,
  recordSubmissionRefused,
  recordCredits,
  observeOutboxBacklog,
  observeQueues,
  type QueueReading,
  traceProviderCall,
  providerErrorClassOf,
  METER_NAME,
  type TaskOutcome,
  type ProviderCall,
} from './metrics';
