// How the CLI prints: data on stdout in the chosen format (table for people, json for one
// document, jsonl for one JSON line per item), messages on stderr, so `loom ... -o json | jq`
// sees only data.
export type OutputFormat = 'table' | 'json' | 'jsonl';
export const OUTPUT_FORMATS: OutputFormat[] = ['table', 'json', 'jsonl'];

export interface Column<T> {
  header: string;
  value: (row: T) => unknown;
}

export interface Output {
  format: OutputFormat;
  /** One object (get, submit): a two-column table, or the JSON. */
  item<T>(value: T, columns: Column<T>[]): void;
  /** Many (list): a table, a JSON array, or one line each. */
  list<T>(rows: T[], columns: Column<T>[]): void;
  /** One row as it comes (follow, watch): a table line, or a JSON line (json and jsonl alike). */
  line<T>(row: T, columns: Column<T>[]): void;
  message(text: string): void;
}

const text = (v: unknown): string => (v === null || v === undefined ? '-' : typeof v === 'object' ? JSON.stringify(v) : String(v));

export function createOutput(format: OutputFormat, out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Output {
  const write = (s: string) => void out.write(s + '\n');
  return {
    format,
    item(value, columns) {
      if (format !== 'table') return write(JSON.stringify(value, null, format === 'json' ? 2 : undefined));
      const width = Math.max(...columns.map((c) => c.header.length));
      for (const c of columns) write(`${c.header.padEnd(width)}  ${text(c.value(value))}`);
    },
    list(rows, columns) {
      if (format === 'json') return write(JSON.stringify(rows, null, 2));
      if (format === 'jsonl') return rows.forEach((r) => write(JSON.stringify(r)));
      const cells = rows.map((r) => columns.map((c) => text(c.value(r))));
      const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => row[i]!.length)));
      const fmt = (row: string[]) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ');
      write(fmt(columns.map((c) => c.header.toUpperCase())));
      for (const row of cells) write(fmt(row));
    },
    line(row, columns) {
      if (format !== 'table') return write(JSON.stringify(row));
      write(columns.map((c) => text(c.value(row))).join('  '));
    },
    message: (s) => void err.write(s + '\n'),
  };
}
