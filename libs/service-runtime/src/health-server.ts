// /healthz (the process is alive), /readyz (its dependencies answer) and /metrics (Prometheus
// text, when OTEL_METRICS_EXPORTER=prometheus) on a small HTTP server of its own, for the
// services that have no public HTTP API.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveMetrics } from '@loom/telemetry';

export type ReadinessCheck = () => Promise<boolean> | boolean;

export function healthHandler(isReady: ReadinessCheck) {
  return async (req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean> => {
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return true;
    }
    if (req.url === '/readyz') {
      const ok = await Promise.resolve(isReady()).catch(() => false);
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: ok ? 'ready' : 'not ready' }));
      return true;
    }
    if (req.url === '/metrics' && req.method === 'GET') {
      serveMetrics(req, res);
      return true;
    }
    return false;
  };
}

export async function startHealthServer(port: number, isReady: ReadinessCheck): Promise<{ port: number; close(): Promise<void> }> {
  const handle = healthHandler(isReady);
  const server = http.createServer((req, res) => {
    void handle(req, res).then((done) => done || res.writeHead(404).end());
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '0.0.0.0', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
