// The words a task can be found by (GET /v1/tasks?q=...): every string inside its input, cut into
// lowercase words and stored with the task as `searchTerms`. A multikey index on
// (tenantId, searchTerms, createdAt) lets MongoDB answer "tasks whose input has these words"
// without scanning: regular expressions over arbitrary JSON could not use any index.

/** At most this many distinct words per task: a huge input must not make a huge index entry. */
export const MAX_SEARCH_TERMS = 200;
/** Longer words are cut: index keys have a size limit and nobody searches by a 200-letter word. */
export const MAX_TERM_LENGTH = 64;
const MAX_DEPTH = 8;

/** The words of a free-text query or a string, as they are stored. */
export function wordsOf(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? []).map((w) => w.slice(0, MAX_TERM_LENGTH));
}

/** The distinct words of every string (and number) in a JSON value, up to MAX_SEARCH_TERMS. */
export function searchTermsOf(value: unknown): string[] {
  const terms = new Set<string>();
  const walk = (v: unknown, depth: number) => {
    if (terms.size >= MAX_SEARCH_TERMS || depth > MAX_DEPTH || v === null || v === undefined) return;
    if (typeof v === 'string') {
      for (const w of wordsOf(v)) {
        if (terms.size >= MAX_SEARCH_TERMS) return;
        terms.add(w);
      }
    } else if (typeof v === 'number' && Number.isFinite(v)) {
      terms.add(String(v));
    } else if (Array.isArray(v)) {
      for (const x of v) walk(x, depth + 1);
    } else if (typeof v === 'object') {
      for (const x of Object.values(v as Record<string, unknown>)) walk(x, depth + 1);
    }
  };
  walk(value, 0);
  return [...terms];
}
