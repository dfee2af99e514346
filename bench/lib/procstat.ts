// What a set of processes costs, read from /proc: CPU seconds (utime + stime of each process,
// plus what its waited-for children used) between two snapshots, and resident memory sampled
// while a run goes on. A "system" is a set of root pids and every descendant of them.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

interface ProcStat {
  pid: number;
  ppid: number;
  comm: string;
  /** utime + stime + cutime + cstime, in clock ticks. */
  ticks: number;
}

function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // comm may hold spaces and parentheses: the fields after it start past the last ')'.
  const close = text.lastIndexOf(')');
  const comm = text.slice(text.indexOf('(') + 1, close);
  const f = text.slice(close + 2).split(' ');
  // f[0] = state (field 3); utime is field 14 -> f[11], stime f[12], cutime f[13], cstime f[14]
  const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  return { pid, ppid: Number(f[1]), comm, ticks };
}

function allPids(): number[] {
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
}

/** The given pids and all their descendants that are alive now. */
export function withDescendants(roots: number[]): ProcStat[] {
  return [...descendantsOf(roots.map((pid) => [String(pid), [pid]])).values()].flat();
}

/**
 * For each named set of root pids, those alive and all their descendants, from ONE scan of /proc
 * (the meter samples every 200 ms: a scan per group would cost the machine more than the
 * smallest systems it measures).
 */
export function descendantsOf(sets: [string, number[]][]): Map<string, ProcStat[]> {
  const stats = allPids()
    .map(readStat)
    .filter((s): s is ProcStat => !!s);
  const children = new Map<number, ProcStat[]>();
  for (const s of stats) (children.get(s.ppid) ?? children.set(s.ppid, []).get(s.ppid)!).push(s);
  const byPid = new Map(stats.map((s) => [s.pid, s]));
  const result = new Map<string, ProcStat[]>();
  for (const [name, roots] of sets) {
    const out: ProcStat[] = [];
    const seen = new Set<number>();
    const stack = roots.filter((p) => byPid.has(p));
    while (stack.length) {
      const pid = stack.pop()!;
      if (seen.has(pid)) continue;
      seen.add(pid);
      out.push(byPid.get(pid)!);
      for (const c of children.get(pid) ?? []) stack.push(c.pid);
    }
    result.set(name, out);
  }
  return result;
}

export function rssKiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Busy CPU seconds of the whole machine so far (all cores), from /proc/stat. */
function machineBusySeconds(): number {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal guest guest_nice; guest time is in user already
  const busy = v[0]! + v[1]! + v[2]! + v[5]! + v[6]! + v[7]!;
  return busy / CLK_TCK;
}

/** The pid of the process that listens on a TCP port (IPv4 or IPv6), from /proc/net/tcp{,6}. */
export function pidListeningOn(port: number): number | undefined {
  const inodes = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '0A') continue; // 0A = LISTEN
      if (parseInt(f[1]!.split(':').pop()!, 16) === port) inodes.add(f[9]!);
    }
  }
  if (inodes.size === 0) return undefined;
  for (const pid of allPids()) {
    let fds: string[];
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m && inodes.has(m[1]!)) return pid;
      } catch {
        /* gone */
      }
    }
  }
  return undefined;
}

export interface ProcessGroup {
  /** A label for the breakdown, e.g. "gateway" or "rabbitmq (beam.smp)". */
  name: string;
  pid: number;
}

export interface ResourceUse {
  /** CPU seconds of every process of the system (and descendants) during the window. */
  cpuSeconds: number;
  /** The same, per group. */
  cpuByGroup: Record<string, number>;
  /** Peak of the sampled sum of VmRSS over the system's processes, MiB. */
  peakRssMiB: number;
  /** That sum when the window opened, MiB. */
  startRssMiB: number;
  /** CPU seconds of the bench driver itself (this process: the HTTP client for Loom, waiting for peers). */
  driverCpuSeconds: number;
  /** Busy CPU seconds of the whole machine in the window used neither by the system nor the driver. */
  otherCpuSeconds: number;
  wallSeconds: number;
  sampleEveryMs: number;
}

/**
 * Measures a set of process groups from start() to stop(): CPU from /proc/<pid>/stat
 * (utime+stime+cutime+cstime of each group's processes and descendants, summed; a process
 * that ends inside the window loses what it used since start unless its parent waited for it),
 * memory as the peak of the sum of VmRSS sampled every `sampleEveryMs`.
 */
export class ResourceMeter {
  private before = new Map<string, Map<number, number>>();
  private timer?: NodeJS.Timeout;
  private peakKiB = 0;
  private startKiB = 0;
  private t0 = 0;
  private busy0 = 0;
  private driver0: NodeJS.CpuUsage = { user: 0, system: 0 };

  constructor(
    private readonly groups: ProcessGroup[],
    private readonly sampleEveryMs = 200,
  ) {}

  private snapshot(): Map<string, Map<number, number>> {
    const m = new Map<string, Map<number, number>>();
    for (const [name, procs] of descendantsOf(this.groups.map((g) => [g.name, [g.pid]]))) m.set(name, new Map(procs.map((s) => [s.pid, s.ticks])));
    return m;
  }

  private sampleRss(): number {
    let kib = 0;
    for (const procs of descendantsOf(this.groups.map((g) => [g.name, [g.pid]])).values()) for (const s of procs) kib += rssKiB(s.pid);
    if (kib > this.peakKiB) this.peakKiB = kib;
    return kib;
  }

  start(): void {
    this.t0 = Date.now();
    this.busy0 = machineBusySeconds();
    this.driver0 = process.cpuUsage();
    this.before = this.snapshot();
    this.startKiB = this.sampleRss();
    this.peakKiB = this.startKiB;
    this.timer = setInterval(() => this.sampleRss(), this.sampleEveryMs);
    this.timer.unref();
  }

  stop(): ResourceUse {
    clearInterval(this.timer);
    this.sampleRss();
    const after = this.snapshot();
    const cpuByGroup: Record<string, number> = {};
    let total = 0;
    for (const g of this.groups) {
      const b = this.before.get(g.name) ?? new Map();
      let ticks = 0;
      for (const [pid, t] of after.get(g.name) ?? new Map()) ticks += t - (b.get(pid) ?? 0);
      cpuByGroup[g.name] = round(ticks / CLK_TCK, 2);
      total += ticks / CLK_TCK;
    }
    const busy = machineBusySeconds() - this.busy0;
    const d = process.cpuUsage(this.driver0);
    const driver = (d.user + d.system) / 1e6;
    return {
      cpuSeconds: round(total, 2),
      cpuByGroup,
      peakRssMiB: round(this.peakKiB / 1024, 1),
      startRssMiB: round(this.startKiB / 1024, 1),
      driverCpuSeconds: round(driver, 2),
      otherCpuSeconds: round(Math.max(0, busy - total - driver), 2),
      wallSeconds: round((Date.now() - this.t0) / 1000, 2),
      sampleEveryMs: this.sampleEveryMs,
    };
  }
}

export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
