export { startHealthServer, healthHandler, type ReadinessCheck } from './health-server';
export { runService, type RunningService } from './run-service';
