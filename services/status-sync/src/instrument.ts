// Telemetry before anything else: main.ts imports this file first, so the OpenTelemetry SDK
// (when OTEL_* variables ask for it) patches node:http and express before they are loaded.
import { startTelemetry } from '@loom/telemetry';
import pkg from '../package.json';

startTelemetry('status-sync', { version: pkg.version });
