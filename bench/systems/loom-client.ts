// Loom's HTTP client in the comparison, in a process of its own so that its CPU is measured as
// part of Loom, the way each peer's producer process is measured as part of that peer. It submits
// a scenario's tasks over node:http with a keep-alive Agent (connections are reused, as a real
// client does; no dependency added for it: the bench uses what Node has), the concurrent
// submissions grouped into POST /v1/tasks/bulk requests (bench/lib/group-commit.ts, as every
// peer's producer groups its own), and sends back each task's id,
// type and client-side submit time. Driven over IPC by the bench (bench/systems/peers.ts
// PeerChild: ready, submit -> submitted, stop), configured by BENCH_LOOM_CLIENT (JSON).
import http from 'node:http';
import { groupCommit, idsOfBulkAnswer } from '../lib/group-commit';
import { drive } from '../lib/workload';
import { ipcChild } from '../peers/ipc';
import type { ToChild } from '../peers/types';

interface ClientConfig {
  gatewayUrl: string;
  apiKey: string;
  connections: number;
}

const { cfg, send, fail } = ipcChild<ClientConfig>('BENCH_LOOM_CLIENT');
const url = new URL(cfg.gatewayUrl);
const agent = new http.Agent({ keepAlive: true, maxSockets: cfg.connections, keepAliveMsecs: 10_000 });

function post(body: string, path: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: 'POST',
        agent,
        headers: { authorization: `Bearer ${cfg.apiKey}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => reject(Object.assign(err, { reusedSocket: req.reusedSocket })));
    req.end(body);
  });
}

/** POST `body` to `path`, sent again once on a fresh socket if a kept-alive one was closed under it. */
async function postOnce(path: string, body: string): Promise<{ status: number; text: string }> {
  try {
    return await post(body, path);
  } catch (err) {
    // A kept-alive socket the server closed while it sat idle (between scenarios) fails the
    // first request sent on it before the server reads anything: sent again on a fresh socket,
    // as Node's documentation advises (http: request.reusedSocket).
    const e = err as NodeJS.ErrnoException & { reusedSocket?: boolean };
    if (!e.reusedSocket || !['ECONNRESET', 'EPIPE'].includes(e.code ?? '')) throw err;
    console.log(`[loom client] ${e.code} on a kept-alive socket; sent again on a new one`);
    return post(body, path);
  }
}

interface Submission {
  type: string;
  input: Record<string, unknown>;
}

/** One POST /v1/tasks/bulk: the id of each task, or the error of its item. */
async function submitBulk(tasks: Submission[]): Promise<(string | { error: unknown })[]> {
  const res = await postOnce('/v1/tasks/bulk', JSON.stringify({ tasks }));
  return idsOfBulkAnswer(res.status, res.text);
}

const submit = groupCommit(submitBulk, 500);

process.on('message', (m: ToChild) => {
  if (m.cmd === 'submit') {
    const tasks: [string, string, number][] = [];
    const deadline = m.deadline ?? Infinity;
    drive(m.scenario, async (_i, type) => {
      if (Date.now() > deadline) return;
      const submitAt = Date.now();
      tasks.push([await submit({ type, input: { ms: m.scenario.sleepMs } }), type, submitAt]);
    })
      .then(({ seconds }) => send({ kind: 'submitted', seconds, tasks }))
      .catch(fail);
  } else if (m.cmd === 'stop') {
    agent.destroy();
    send({ kind: 'stopped' });
    setTimeout(() => process.exit(0), 50);
  }
});
send({ kind: 'ready' });
