// A hand-written SVG chart of the comparison: three panels (tasks/s, submit->start p50, CPU
// seconds per 1,000 tasks), each with a group of bars per scenario and a bar per system, and a
// fourth with each system's idle CPU per second; on a log scale (the systems differ by orders of
// magnitude), each bar labelled with its value.
import type { IdleResult, RunResult } from './report';
import { scenariosOf } from './report';

const COLORS = ['#d62728', '#1f77b4', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#17becf'];
const LABELS: Record<string, string> = {
  loom: 'Loom',
  bullmq: 'BullMQ (Redis AOF, fsync every s)',
  'bullmq-nopersist': 'BullMQ (Redis, no persistence)',
  agenda: 'Agenda',
  polling: 'polling worker (seed 002, not serial per type)',
  'polling-serial': 'polling worker, serial per type',
};
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

interface Panel {
  title: string;
  groups: string[];
  /** The bar of a system in a group (undefined: no bar); faded when the run hit its time limit. */
  bar: (system: string, group: string) => { value: number; complete: boolean } | undefined;
}

export function svgChart(results: RunResult[], subtitle: string, idle: IdleResult[] = []): string {
  const scenarios = scenariosOf(results);
  const systems = [...new Set([...results.map((r) => r.system), ...idle.map((x) => x.system)])];
  const ofRun = (value: (r: RunResult) => number) => (system: string, group: string) => {
    const r = results.find((x) => x.scenario === group && x.system === system);
    return r && { value: value(r), complete: r.complete };
  };
  const panels: Panel[] = [
    { title: 'tasks/s (higher is better)', groups: scenarios, bar: ofRun((r) => r.figures.tasksPerSecond) },
    { title: 'submit → start p50, ms (lower is better)', groups: scenarios, bar: ofRun((r) => r.figures.submitToStartMs.p50) },
    { title: 'CPU seconds per 1,000 tasks, servers included (lower is better)', groups: scenarios, bar: ofRun((r) => r.cpuSecondsPer1000) },
  ];
  if (idle.length) {
    panels.push({
      title: `idle: CPU seconds per second with no work, servers included (lower is better)`,
      groups: ['idle, right after start'],
      bar: (system) => {
        const x = idle.find((i) => i.system === system);
        return x && { value: x.cpuSecondsPerSecond, complete: true };
      },
    });
  }
  const W = 1000;
  const left = 70;
  const right = 20;
  const panelH = 250;
  // the subtitle on as many lines of about 150 characters as it takes, cut at its "; "
  const subLines: string[] = [];
  for (const part of subtitle.split('; ')) {
    const last = subLines.length - 1;
    if (last >= 0 && subLines[last]!.length + part.length + 2 <= 150) subLines[last] += `; ${part}`;
    else subLines.push(part);
  }
  const top = 98 + (subLines.length - 1) * 15; // room for the subtitle and a two-row legend
  const gapH = 60;
  const H = top + panels.length * (panelH + gapH);
  const barW = Math.min(34, ...panels.map((p) => ((W - left - right) / p.groups.length - 30) / systems.length));
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${left}" y="22" font-size="16" font-weight="bold">Loom vs. peers: same workload, same machine, same run</text>`);
  subLines.forEach((l, i) => out.push(`<text x="${left}" y="${40 + i * 15}" fill="#555">${esc(l)}</text>`));
  const legendY = 52 + (subLines.length - 1) * 15;
  // the legend, on as many rows as it takes
  let lx = left;
  let ly = legendY;
  systems.forEach((s, i) => {
    const label = LABELS[s] ?? s;
    const w = 16 + label.length * 6.2 + 18;
    if (lx > left && lx + w > W - right) {
      lx = left;
      ly += 18;
    }
    out.push(`<rect x="${lx}" y="${ly}" width="12" height="12" fill="${COLORS[i % COLORS.length]}"/><text x="${lx + 16}" y="${ly + 10}">${esc(label)}</text>`);
    lx += w;
  });
  panels.forEach((p, pi) => {
    const y0 = top + pi * (panelH + gapH) + 20;
    const plotH = panelH - 30;
    const groupW = (W - left - right) / p.groups.length;
    const vals = p.groups.flatMap((g) => systems.map((sys) => p.bar(sys, g)?.value ?? NaN)).filter((v) => Number.isFinite(v) && v > 0);
    // one decade below the smallest value, so that no bar has zero height
    const lo = Math.pow(10, Math.floor(Math.log10(Math.min(...vals, 1) * 0.99)));
    const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...vals, 1) * 1.01)));
    const y = (v: number) => y0 + plotH - ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * plotH;
    out.push(`<text x="${left}" y="${y0 - 8}" font-size="13" font-weight="bold">${esc(p.title)}</text>`);
    for (let d = lo; d <= hi * 1.0001; d *= 10) {
      const yy = y(d).toFixed(1);
      out.push(`<line x1="${left}" x2="${W - right}" y1="${yy}" y2="${yy}" stroke="#ddd"/>`);
      out.push(`<text x="${left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle" fill="#555">${d >= 1 ? Math.round(d).toLocaleString('en-US') : Number(d.toPrecision(1))}</text>`);
    }
    out.push(`<line x1="${left}" x2="${W - right}" y1="${y0 + plotH}" y2="${y0 + plotH}" stroke="#333"/>`);
    p.groups.forEach((s, si) => {
      const gx = left + si * groupW + (groupW - barW * systems.length) / 2;
      systems.forEach((sys, i) => {
        const b = p.bar(sys, s);
        if (!b) return;
        const v = b.value;
        const x = gx + i * barW;
        if (!Number.isFinite(v)) return;
        const yy = y(v);
        out.push(`<rect x="${x.toFixed(1)}" y="${yy.toFixed(1)}" width="${(barW - 3).toFixed(1)}" height="${(y0 + plotH - yy).toFixed(1)}" fill="${COLORS[i % COLORS.length]}"${b.complete ? '' : ' fill-opacity="0.4"'}><title>${esc(`${sys} ${s}: ${v}`)}</title></rect>`);
        const label = v >= 100 ? String(Math.round(v)) : v >= 1 ? String(Math.round(v * 10) / 10) : String(Number(v.toPrecision(2)));
        out.push(`<text x="${(x + (barW - 3) / 2).toFixed(1)}" y="${(yy - 3).toFixed(1)}" text-anchor="middle" font-size="9">${label}</text>`);
      });
      out.push(`<text x="${(left + si * groupW + groupW / 2).toFixed(1)}" y="${y0 + plotH + 16}" text-anchor="middle">${esc(s)}</text>`);
    });
  });
  out.push('</svg>');
  return out.join('\n');
}
