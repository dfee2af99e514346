// Checks real answers against the gateway's own OpenAPI document: each answer's status must be
// documented for its operation (a 405 must name the documented methods in Allow), and a JSON body must validate (ajv, JSON Schema 2020-12, as
// OpenAPI 3.1 uses) against the documented schema. A test wraps its fetch with `recording` and
// asserts `problems()` is empty at the end, so every call it makes checks the document too.
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';

interface Doc {
  paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, { schema?: unknown }> }> }>>;
  components?: unknown;
}

export interface DocumentCheck {
  /** A fetch that checks every answer it gets (the body is read from a clone). */
  recording(inner?: typeof fetch): typeof fetch;
  /** What disagreed with the document, one line each. */
  problems(): string[];
  /** How many answers were checked. */
  readonly checked: number;
}

export async function documentCheck(gatewayUrl: string): Promise<DocumentCheck> {
  const doc = (await (await fetch(`${gatewayUrl}/v1/openapi.json`)).json()) as Doc;
  // strict off: the document carries OpenAPI's own keywords (discriminator, example); formats are
  // not checked here (schemathesis checks them in `npm run fuzz`).
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  const templates = Object.keys(doc.paths)
    .map((p) => ({ path: p, re: new RegExp(`^${p.replace(/\{[^}]+\}/g, '[^/]+')}$`), literal: !p.includes('{') }))
    .sort((a, b) => Number(b.literal) - Number(a.literal));
  const validators = new Map<string, ValidateFunction>();
  const problems: string[] = [];
  let checked = 0;

  async function check(method: string, url: URL, res: Response): Promise<void> {
    checked++;
    const what = `${method} ${url.pathname}${url.search} -> ${res.status}`;
    const template = templates.find((t) => t.re.test(url.pathname))?.path;
    const op = template ? doc.paths[template]![method.toLowerCase()] : undefined;
    if (!op && template && res.status === 405) {
      // A method the path lacks: the Allow header names exactly the documented ones (GET brings HEAD).
      const documentedMethods = Object.keys(doc.paths[template]!).map((m) => m.toUpperCase());
      if (documentedMethods.includes('GET')) documentedMethods.push('HEAD');
      const allow = (res.headers.get('allow') ?? '').split(',').map((m) => m.trim()).filter(Boolean);
      if (allow.sort().join() !== documentedMethods.sort().join()) problems.push(`${what}: Allow is "${allow.join(', ')}", the document has ${documentedMethods.join(', ')}`);
      return;
    }
    if (!op) return void problems.push(`${what}: no such operation in the document`);
    const documented = op.responses?.[String(res.status)];
    if (!documented) return void problems.push(`${what}: status not documented (documented: ${Object.keys(op.responses ?? {}).join(', ')})`);
    const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
    if (type !== 'application/json') return;
    if (res.bodyUsed) return;
    const schema = documented.content?.['application/json']?.schema;
    if (!schema) return void problems.push(`${what}: a JSON body, but the document gives this answer no JSON schema`);
    const key = `${template} ${method} ${res.status}`;
    let validate = validators.get(key);
    if (!validate) {
      validate = ajv.compile({ components: doc.components, ...(schema as object) });
      validators.set(key, validate);
    }
    const body = await res.json();
    if (!validate(body)) problems.push(`${what}: body does not match the document: ${ajv.errorsText(validate.errors)}`);
  }

  return {
    recording(inner = fetch) {
      return async (input, init) => {
        const req = input instanceof Request ? input : new Request(input, init);
        const res = await inner(req);
        // Only a JSON answer is read (from a clone); an event stream is left alone, never teed.
        const json = (res.headers.get('content-type') ?? '').startsWith('application/json');
        await check(req.method, new URL(req.url), json ? res.clone() : res);
        return res;
      };
    },
    problems: () => problems,
    get checked() {
      return checked;
    },
  };
}
