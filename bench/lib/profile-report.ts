// The I/O tables of `npm run bench -- --profile`: per completed task, MongoDB commands by command
// and collection, broker publishes by exchange / routing key / confirmed / persistent, deliveries
// and acks by queue, each split by service. Keys come from bench/preload/probe.cjs as they were
// seen on the wire, so nothing here knows today's collections or message kinds.
import { round } from './procstat';

export interface ServiceIo {
  service: string;
  cpuSeconds?: number;
  /** "command\tcollection" -> commands per task (wire round trips). */
  commandsPerTask: Record<string, number>;
  /** "command\tcollection" -> documents written per task (insert/update/delete only). */
  commandDocsPerTask: Record<string, number>;
  /** "exchange\troutingKey\tconfirmed|unconfirmed\tpersistent|transient" -> publishes per task. */
  publishPerTask: Record<string, number>;
  /** queue -> deliveries / acks / nacks per task. */
  deliverPerTask: Record<string, number>;
  ackPerTask: Record<string, number>;
  nackPerTask: Record<string, number>;
}

export interface IoTables {
  services: string[];
  perService: { service: string; cpuSeconds?: number; mongoCommands: number; publishes: number; deliveries: number; acks: number }[];
  mongo: { command: string; collection: string; perTask: number; docsPerTask?: number; byService: Record<string, number> }[];
  publish: { exchange: string; routingKey: string; confirmed: boolean; persistent: boolean; perTask: number; byService: Record<string, number> }[];
  queues: { queue: string; deliveries: number; acks: number; nacks: number; byService: Record<string, string> }[];
  totals: { mongoCommands: number; mongoDocsWritten: number; publishes: number; confirmedPublishes: number; deliveries: number; acks: number; nacks: number };
}

const sum = (xs: number[]) => round(xs.reduce((a, b) => a + b, 0), 2);

/** Merges the per-service counts into one table per kind, sorted by count (highest first). */
export function ioTables(services: ServiceIo[]): IoTables {
  const names = services.map((s) => s.service).sort();
  const merge = (pick: (s: ServiceIo) => Record<string, number>) => {
    const out = new Map<string, Record<string, number>>();
    for (const s of services) for (const [k, v] of Object.entries(pick(s))) (out.get(k) ?? out.set(k, {}).get(k)!)[s.service] = v;
    return [...out.entries()].map(([key, byService]) => ({ key, byService, perTask: sum(Object.values(byService)) })).sort((a, b) => b.perTask - a.perTask);
  };
  const docs = merge((s) => s.commandDocsPerTask);
  const mongo = merge((s) => s.commandsPerTask).map(({ key, byService, perTask }) => {
    const [command = key, collection = '-'] = key.split('\t');
    const d = docs.find((x) => x.key === key)?.perTask;
    return { command, collection, perTask, docsPerTask: d, byService };
  });
  const publish = merge((s) => s.publishPerTask).map(({ key, byService, perTask }) => {
    const [exchange = key, routingKey = '', confirmed = 'confirmed', persistent = 'persistent'] = key.split('\t');
    return { exchange, routingKey, confirmed: confirmed === 'confirmed', persistent: persistent === 'persistent', perTask, byService };
  });
  const queueNames = new Set(services.flatMap((s) => [...Object.keys(s.deliverPerTask), ...Object.keys(s.ackPerTask), ...Object.keys(s.nackPerTask)]));
  const queues = [...queueNames]
    .map((queue) => {
      const byService: Record<string, string> = {};
      let deliveries = 0;
      let acks = 0;
      let nacks = 0;
      for (const s of services) {
        const d = s.deliverPerTask[queue] ?? 0;
        const a = s.ackPerTask[queue] ?? 0;
        const n = s.nackPerTask[queue] ?? 0;
        deliveries += d;
        acks += a;
        nacks += n;
        if (d || a || n) byService[s.service] = `${round(d, 2)}/${round(a, 2)}${n ? `/${round(n, 2)}` : ''}`;
      }
      return { queue, deliveries: round(deliveries, 2), acks: round(acks, 2), nacks: round(nacks, 2), byService };
    })
    .sort((a, b) => b.deliveries - a.deliveries);
  const perService = names.map((name) => {
    const s = services.find((x) => x.service === name)!;
    const total = (m: Record<string, number>) => sum(Object.values(m));
    return { service: name, cpuSeconds: s.cpuSeconds, mongoCommands: total(s.commandsPerTask), publishes: total(s.publishPerTask), deliveries: total(s.deliverPerTask), acks: total(s.ackPerTask) };
  });
  return {
    services: names,
    perService,
    mongo,
    publish,
    queues,
    totals: {
      mongoCommands: sum(mongo.map((m) => m.perTask)),
      mongoDocsWritten: sum(mongo.map((m) => m.docsPerTask ?? 0)),
      publishes: sum(publish.map((p) => p.perTask)),
      confirmedPublishes: sum(publish.filter((p) => p.confirmed).map((p) => p.perTask)),
      deliveries: sum(queues.map((q) => q.deliveries)),
      acks: sum(queues.map((q) => q.acks)),
      nacks: sum(queues.map((q) => q.nacks)),
    },
  };
}

const n = (x: number | undefined) => (x === undefined || x === 0 ? '' : String(round(x, 2)));

function table(header: string[], rows: string[][], markdown: boolean, left = 2): string {
  if (markdown) {
    const md = (cells: string[]) => `| ${cells.map((c) => c || ' ').join(' | ')} |`;
    return [md(header), md(header.map((_, i) => (i < left ? '---' : '---:'))), ...rows.map(md)].join('\n');
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < left ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The three tables (Mongo, publishes, queues) as Markdown (markdown=true) or aligned text. */
export function ioReport(t: IoTables, markdown: boolean): string {
  const mono = (s: string) => (markdown ? `\`${s}\`` : s);
  const bold = (x: string) => (markdown ? `**${x}**` : x);
  const blanks = t.services.map(() => '');
  const mongoRows = t.mongo.map((m) => [mono(m.command), mono(m.collection), n(m.docsPerTask), String(m.perTask), ...t.services.map((s) => n(m.byService[s]))]);
  mongoRows.push([bold('all commands'), '', n(t.totals.mongoDocsWritten), bold(String(t.totals.mongoCommands)), ...blanks]);
  const pubRows = t.publish.map((p) => [mono(p.exchange), mono(p.routingKey), p.confirmed ? 'yes' : 'no', p.persistent ? 'yes' : 'no', String(p.perTask), ...t.services.map((s) => n(p.byService[s]))]);
  pubRows.push([bold('all publishes'), '', `${t.totals.confirmedPublishes}`, '', bold(String(t.totals.publishes)), ...blanks]);
  const queueRows = t.queues.map((q) => [mono(q.queue), String(q.deliveries), String(q.acks), n(q.nacks), ...t.services.map((s) => q.byService[s] ?? '')]);
  queueRows.push([bold('all queues'), String(t.totals.deliveries), String(t.totals.acks), n(t.totals.nacks), ...t.services.map(() => '')]);
  const serviceRows = t.perService.map((x) => [x.service, x.cpuSeconds === undefined ? '-' : String(x.cpuSeconds), n(x.mongoCommands), n(x.publishes), n(x.deliveries), n(x.acks)]);
  serviceRows.push([bold('all services'), '', bold(String(t.totals.mongoCommands)), bold(String(t.totals.publishes)), bold(String(t.totals.deliveries)), bold(String(t.totals.acks))]);
  return [
    `Per task, by service (CPU s = the whole run)`,
    '',
    table(['service', 'CPU s', 'Mongo commands', 'publishes', 'deliveries', 'acks'], serviceRows, markdown, 1),
    '',
    `MongoDB commands per task (wire round trips; docs = documents in an insert, update or delete command, a batch being one command; a findAndModify is one command of one document)`,
    '',
    table(['command', 'collection', 'docs', 'per task', ...t.services], mongoRows, markdown),
    '',
    `Broker publishes per task (by exchange and routing key; confirmed = on a confirm channel, persistent = delivery mode 2)`,
    '',
    table(['exchange', 'routing key', 'confirmed', 'persistent', 'per task', ...t.services], pubRows, markdown, 4),
    '',
    `Deliveries and acks per task, by queue (per service: deliveries/acks[/nacks])`,
    '',
    table(['queue', 'deliveries', 'acks', 'nacks', ...t.services], queueRows, markdown, 1),
  ].join('\n');
}

/** The report fields a before/after comparison reads (profile.json of two `--profile` runs). */
export interface ProfileRun {
  commit?: string;
  date: string;
  tasks: number;
  history?: number;
  cpuSecondsPer1000: number;
  figures: { tasksPerSecond: number };
  services: ServiceIo[];
}

/**
 * Two profile runs side by side, per task: the totals, then every MongoDB command, publish and
 * queue that either run saw (a kind that went away shows 0 after; a new one 0 before).
 */
export function compareMarkdown(before: ProfileRun, after: ProfileRun): string {
  const b = ioTables(before.services);
  const a = ioTables(after.services);
  const md = (cells: string[]) => `| ${cells.map((c) => c || ' ').join(' | ')} |`;
  const sep = (n: number, left: number) => md(Array.from({ length: n }, (_, i) => (i < left ? '---' : '---:')));
  const v = (x: number | undefined) => String(round(x ?? 0, 2));
  const union = <T>(xs: T[], ys: T[], key: (t: T) => string) => [...new Set([...xs.map(key), ...ys.map(key)])];
  const run = (r: ProfileRun) => `${r.commit ?? 'unknown commit'} (${r.date.slice(0, 16).replace('T', ' ')} UTC, ${r.tasks} tasks${r.history ? `, history ${r.history}` : ''})`;
  const lines = [`Before: ${run(before)}. After: ${run(after)}. Per completed task, no-op tasks all at once, under the profiler.`, ''];

  lines.push(md(['per task', 'before', 'after']), sep(3, 1));
  const totals: [string, number, number][] = [
    ['MongoDB commands', b.totals.mongoCommands, a.totals.mongoCommands],
    ['documents in insert/update/delete commands', b.totals.mongoDocsWritten, a.totals.mongoDocsWritten],
    ['broker publishes', b.totals.publishes, a.totals.publishes],
    ['of which confirmed', b.totals.confirmedPublishes, a.totals.confirmedPublishes],
    ['deliveries', b.totals.deliveries, a.totals.deliveries],
    ['acks', b.totals.acks, a.totals.acks],
    ['CPU s per 1,000 tasks (profiled)', before.cpuSecondsPer1000, after.cpuSecondsPer1000],
  ];
  for (const [k, x, y] of totals) lines.push(md([k, v(x), v(y)]));

  lines.push('', md(['MongoDB command', 'collection', 'before', 'after']), sep(4, 2));
  const mk = (m: IoTables['mongo'][number]) => `${m.command}\t${m.collection}`;
  for (const key of union(b.mongo, a.mongo, mk)) {
    const [command, collection] = key.split('\t');
    lines.push(md([`\`${command}\``, `\`${collection}\``, v(b.mongo.find((m) => mk(m) === key)?.perTask), v(a.mongo.find((m) => mk(m) === key)?.perTask)]));
  }

  lines.push('', md(['publish: exchange', 'routing key', 'before', 'after']), sep(4, 2));
  const pk = (p: IoTables['publish'][number]) => `${p.exchange}\t${p.routingKey}`;
  const pub = (t: IoTables, key: string) => {
    const ps = t.publish.filter((p) => pk(p) === key);
    if (!ps.length) return '0';
    return ps.map((p) => `${v(p.perTask)} (${p.confirmed ? 'confirmed' : 'unconfirmed'}, ${p.persistent ? 'persistent' : 'transient'})`).join(' + ');
  };
  for (const key of union(b.publish, a.publish, pk)) {
    const [exchange, routingKey] = key.split('\t');
    lines.push(md([`\`${exchange}\``, `\`${routingKey}\``, pub(b, key), pub(a, key)]));
  }

  lines.push('', md(['queue', 'before: deliveries / acks', 'after: deliveries / acks']), sep(3, 1));
  const q = (t: IoTables, name: string) => {
    const x = t.queues.find((y) => y.queue === name);
    return x ? `${v(x.deliveries)} / ${v(x.acks)}` : '0 / 0';
  };
  for (const name of union(b.queues, a.queues, (x) => x.queue)) lines.push(md([`\`${name}\``, q(b, name), q(a, name)]));
  return lines.join('\n');
}
