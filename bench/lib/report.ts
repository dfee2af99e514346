// The comparison's outputs: terminal tables, a Markdown table (for the README), ratios of Loom
// to each peer measured in the same run.
import type { Figures } from './workload';
import type { ResourceUse } from './procstat';

export interface RunResult {
  system: string;
  scenario: string;
  complete: boolean;
  note?: string;
  figures: Figures;
  /** CPU seconds of every process of the system (servers included) per 1,000 completed tasks. */
  cpuSecondsPer1000: number;
  /** Peak of the sampled sum of VmRSS of the system's processes, MiB. */
  peakRssMiB: number;
  resources: ResourceUse;
  /** Loom only: submit-to-start measured from the task document's createdAt (server side). */
  submitToStartFromCreatedAtMs?: { p50: number; p95: number; p99: number };
  submitSeconds: number;
}

/** A system doing nothing right after its start: what its processes burn anyway. */
export interface IdleResult {
  system: string;
  seconds: number;
  cpuSeconds: number;
  /** CPU seconds per wall second, all of the system's processes (servers included). */
  cpuSecondsPerSecond: number;
  cpuByGroup: Record<string, number>;
}

export const LEGEND = 'bullmq = redis-server with appendonly yes, appendfsync everysec (production); bullmq-nopersist = redis-server with --appendonly no';

const idleRows = (idle: IdleResult[]) =>
  idle.map((x) => [x.system, String(x.cpuSecondsPerSecond), Object.entries(x.cpuByGroup).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${round2(v / Math.max(0.001, x.seconds))}`).join(', ')]);
const round2 = (x: number) => Math.round(x * 1000) / 1000;

export interface Ratio {
  scenario: string;
  peer: string;
  /** Loom tasks/s ÷ peer tasks/s (above 1: Loom is faster). */
  throughput: number;
  /** Loom submit->start p50 ÷ the peer's (above 1: Loom starts tasks later). */
  startLatencyP50: number;
  /** Loom same-type gap p50 ÷ the peer's. */
  sameTypeGapP50: number;
  /** Loom CPU s per 1,000 tasks ÷ the peer's (above 1: Loom burns more CPU per task). */
  cpuPerTask: number;
  /** Loom peak RSS ÷ the peer's. */
  peakMemory: number;
}

const r2 = (x: number) => (Number.isFinite(x) ? Math.round(x * 100) / 100 : NaN);
const ratio = (a: number, b: number) => (b > 0 ? r2(a / b) : a === 0 && b === 0 ? 1 : NaN);

export function ratios(results: RunResult[], base = 'loom'): Ratio[] {
  const out: Ratio[] = [];
  for (const loom of results.filter((r) => r.system === base)) {
    for (const peer of results.filter((r) => r.scenario === loom.scenario && r.system !== base)) {
      out.push({
        scenario: loom.scenario,
        peer: peer.system,
        throughput: ratio(loom.figures.tasksPerSecond, peer.figures.tasksPerSecond),
        startLatencyP50: ratio(loom.figures.submitToStartMs.p50, peer.figures.submitToStartMs.p50),
        sameTypeGapP50: ratio(loom.figures.sameTypeGapMs.p50, peer.figures.sameTypeGapMs.p50),
        cpuPerTask: ratio(loom.cpuSecondsPer1000, peer.cpuSecondsPer1000),
        peakMemory: ratio(loom.peakRssMiB, peer.peakRssMiB),
      });
    }
  }
  return out;
}

const COLUMNS = ['system', 'tasks/s', 'start p50', 'p95', 'p99', 'gap p50', 'gap p99', 'CPU s/1k', 'peak MiB', 'mem Δ', 'violations', 'done'];

function row(r: RunResult): string[] {
  const f = r.figures;
  const n = (x: number) => (Number.isFinite(x) ? String(x) : '-');
  return [
    r.system,
    n(f.tasksPerSecond),
    n(f.submitToStartMs.p50),
    n(f.submitToStartMs.p95),
    n(f.submitToStartMs.p99),
    n(f.sameTypeGapMs.p50),
    n(f.sameTypeGapMs.p99),
    n(r.cpuSecondsPer1000),
    n(r.peakRssMiB),
    n(Math.round((r.peakRssMiB - r.resources.startRssMiB) * 10) / 10),
    String(f.serialViolations),
    r.complete ? `${f.completed}/${f.submitted}` : `${f.completed}/${f.submitted} (time limit)`,
  ];
}

/** Columns left-aligned: the first, and those in `left` (text); the others right-aligned (numbers). */
function textTable(header: string[], rows: string[][], left: number[] = []): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 || left.includes(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function scenariosOf(results: RunResult[]): string[] {
  return [...new Set(results.map((r) => r.scenario))];
}

export function terminalReport(results: RunResult[], rs: Ratio[], idle: IdleResult[] = []): string {
  const parts: string[] = [];
  if (idle.length) {
    parts.push(`\n== idle: CPU seconds per second with no work, right after start (about ${Math.round(idle[0]!.seconds)} s each; all processes of the system)`);
    parts.push(textTable(['system', 'idle CPU s/s', 'by process (CPU s/s)'], idleRows(idle), [2]));
  }
  for (const s of scenariosOf(results)) {
    parts.push(`\n== ${s}  (latencies and gaps in ms; CPU = all processes of the system, servers included)`);
    parts.push(textTable(COLUMNS, results.filter((r) => r.scenario === s).map(row)));
  }
  if (rs.length) {
    parts.push('\n== Loom ÷ peer, same run (throughput above 1: Loom faster; latency, CPU, memory above 1: Loom higher)');
    parts.push(
      textTable(
        ['scenario', 'peer', 'tasks/s', 'start p50', 'gap p50', 'CPU/task', 'peak mem'],
        rs.map((r) => [r.scenario, r.peer, ...[r.throughput, r.startLatencyP50, r.sameTypeGapP50, r.cpuPerTask, r.peakMemory].map((x) => (Number.isFinite(x) ? `${x}×` : '-'))]),
      ),
    );
  }
  if (results.some((r) => r.system.startsWith('bullmq'))) parts.push(`\n${LEGEND}`);
  return parts.join('\n');
}

export function markdownReport(results: RunResult[], rs: Ratio[], idle: IdleResult[] = []): string {
  const md = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const lines: string[] = [];
  lines.push(md(['scenario', ...COLUMNS]));
  lines.push(md(['---', ...COLUMNS.map(() => '---')]));
  for (const sc of scenariosOf(results)) for (const r of results.filter((x) => x.scenario === sc)) lines.push(md([sc, ...row(r)]));
  if (rs.length) {
    lines.push('');
    lines.push(md(['scenario', 'Loom ÷', 'tasks/s', 'start p50', 'gap p50', 'CPU/task', 'peak mem']));
    lines.push(md(['---', '---', '---', '---', '---', '---', '---']));
    for (const r of rs) lines.push(md([r.scenario, r.peer, ...[r.throughput, r.startLatencyP50, r.sameTypeGapP50, r.cpuPerTask, r.peakMemory].map((x) => (Number.isFinite(x) ? `${x}×` : '-'))]));
  }
  if (idle.length) {
    lines.push('');
    lines.push(md(['system', `idle CPU s per second (no work, about ${Math.round(idle[0]!.seconds)} s)`, 'by process (CPU s/s)']));
    lines.push(md(['---', '---', '---']));
    for (const r of idleRows(idle)) lines.push(md(r));
  }
  if (results.some((r) => r.system.startsWith('bullmq'))) lines.push('', LEGEND);
  return lines.join('\n');
}
