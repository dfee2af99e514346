// A hand-written SVG chart of the comparison: three panels (tasks/s, submit->start p50, CPU
// seconds per 1,000 tasks), each with a group of bars per scenario and a bar per system, on a
// log scale (the systems differ by orders of magnitude), each bar labelled with its value.
import type { RunResult } from './report';
import { scenariosOf } from './report';

const COLORS = ['#d62728', '#1f77b4', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#17becf'];
const LABELS: Record<string, string> = {
  loom: 'Loom',
  bullmq: 'BullMQ',
  agenda: 'Agenda',
  polling: 'polling worker (seed 002, not serial per type)',
  'polling-serial': 'polling worker, serial per type',
};
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

interface Panel {
  title: string;
  value: (r: RunResult) => number;
}

export function svgChart(results: RunResult[], subtitle: string): string {
  const scenarios = scenariosOf(results);
  const systems = [...new Set(results.map((r) => r.system))];
  const panels: Panel[] = [
    { title: 'tasks/s (higher is better)', value: (r) => r.figures.tasksPerSecond },
    { title: 'submit → start p50, ms (lower is better)', value: (r) => r.figures.submitToStartMs.p50 },
    { title: 'CPU seconds per 1,000 tasks, servers included (lower is better)', value: (r) => r.cpuSecondsPer1000 },
  ];
  const W = 1000;
  const left = 70;
  const right = 20;
  const panelH = 250;
  const top = 80;
  const gapH = 60;
  const H = top + panels.length * (panelH + gapH);
  const groupW = (W - left - right) / scenarios.length;
  const barW = Math.min(34, (groupW - 30) / systems.length);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${left}" y="22" font-size="16" font-weight="bold">Loom vs. peers: same workload, same machine, same run</text>`);
  out.push(`<text x="${left}" y="40" fill="#555">${esc(subtitle)}</text>`);
  let lx = left;
  systems.forEach((s, i) => {
    const label = LABELS[s] ?? s;
    out.push(`<rect x="${lx}" y="52" width="12" height="12" fill="${COLORS[i % COLORS.length]}"/><text x="${lx + 16}" y="62">${esc(label)}</text>`);
    lx += 16 + label.length * 6.2 + 18;
  });
  panels.forEach((p, pi) => {
    const y0 = top + pi * (panelH + gapH) + 20;
    const plotH = panelH - 30;
    const vals = results.map(p.value).filter((v) => Number.isFinite(v) && v > 0);
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
    scenarios.forEach((s, si) => {
      const gx = left + si * groupW + (groupW - barW * systems.length) / 2;
      systems.forEach((sys, i) => {
        const r = results.find((x) => x.scenario === s && x.system === sys);
        if (!r) return;
        const v = p.value(r);
        const x = gx + i * barW;
        if (!Number.isFinite(v)) return;
        const yy = y(v);
        out.push(`<rect x="${x.toFixed(1)}" y="${yy.toFixed(1)}" width="${(barW - 3).toFixed(1)}" height="${(y0 + plotH - yy).toFixed(1)}" fill="${COLORS[i % COLORS.length]}"${r.complete ? '' : ' fill-opacity="0.4"'}><title>${esc(`${sys} ${s}: ${v}`)}</title></rect>`);
        const label = v >= 100 ? String(Math.round(v)) : String(Math.round(v * 10) / 10);
        out.push(`<text x="${(x + (barW - 3) / 2).toFixed(1)}" y="${(yy - 3).toFixed(1)}" text-anchor="middle" font-size="9">${label}</text>`);
      });
      out.push(`<text x="${(left + si * groupW + groupW / 2).toFixed(1)}" y="${y0 + plotH + 16}" text-anchor="middle">${esc(s)}</text>`);
    });
  });
  out.push('</svg>');
  return out.join('\n');
}
