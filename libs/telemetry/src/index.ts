export { createLogger, traceFields, type Logger } from './logger';
export { startTelemetry, shutdownTelemetry, telemetryMode, instanceId, type TelemetryMode, type TelemetryOptions } from './tracing';
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
  traceProviderCall,
  providerErrorClassOf,
  METER_NAME,
  type TaskOutcome,
  type ProviderCall,
} from './metrics';
