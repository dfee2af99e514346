// The routes an express app answers, read from its own router rather than listed by hand: the
// 405 answer names the methods a path has in `Allow`, and the OpenAPI drift test compares these
// routes with the document's paths and methods, so a route added without its documentation
// fails a test.
import type { Express, RequestHandler } from 'express';
import { MethodNotAllowedError } from './errors';

export interface RouteEntry {
  /** Upper case, e.g. GET. */
  method: string;
  /** In OpenAPI form: /v1/tasks/{id}. */
  path: string;
  /** A pattern (wildcard, regexp) this file does not translate: listed, never matched for 405. */
  opaque?: boolean;
}

interface Layer {
  rawPath?: unknown;
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every (method, path) the app's router answers, in registration order; HEAD is implied by GET. */
export function routesOf(app: Express): RouteEntry[] {
  const out: RouteEntry[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const raw = joinPath(prefix, pathText(layer.route.path));
        const opaque = isOpaque(raw);
        for (const [method, on] of Object.entries(layer.route.methods)) {
          if (!on) continue;
          const entry: RouteEntry = { method: method === '_all' ? '*' : method.toUpperCase(), path: opaque ? raw : toOpenApiPath(raw) };
          out.push(opaque || method === '_all' ? { ...entry, opaque: true } : entry);
        }
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack, joinPath(prefix, layer.rawPath === undefined ? '' : pathText(layer.rawPath)));
      } else if ((layer.handle as { name?: string } | undefined)?.name === 'serveStatic') {
        // express.static answers GET (and HEAD) for the files under its mount path.
        out.push({ method: 'GET', path: `${joinPath(prefix, layer.rawPath === undefined ? '' : pathText(layer.rawPath)).replace(/\/$/, '')}/{file}` });
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return out;
}

/**
 * For a request no route answered: 405 with `Allow` when its path has routes for other methods,
 * else on to the 404. Mounted after every route, so the route table is complete when first used.
 */
export function methodNotAllowed(app: Express): RequestHandler {
  let table: { pattern: RegExp; methods: Set<string> }[] | undefined;
  return (req, res, next) => {
    table ??= routeTable(routesOf(app));
    const allowed = table.find((r) => r.pattern.test(req.path))?.methods;
    if (!allowed || allowed.has(req.method)) return next();
    const allow = [...allowed].sort().join(', ');
    res.setHeader('Allow', allow);
    next(new MethodNotAllowedError(`${req.method} is not allowed on ${req.path}; allowed: ${allow}`));
  };
}

function routeTable(routes: RouteEntry[]): { pattern: RegExp; methods: Set<string> }[] {
  const byPath = new Map<string, Set<string>>();
  for (const r of routes) {
    if (r.opaque) continue;
    const methods = byPath.get(r.path) ?? new Set<string>();
    methods.add(r.method);
    if (r.method === 'GET') methods.add('HEAD');
    byPath.set(r.path, methods);
  }
  // Literal paths before templated ones, so /v1/tasks/cancel is never read as /v1/tasks/{id}.
  return [...byPath]
    .sort(([a], [b]) => a.split('{').length - b.split('{').length)
    .map(([path, methods]) => ({ pattern: pathPattern(path), methods }));
}

function pathPattern(openApiPath: string): RegExp {
  const source = openApiPath
    .split('/')
    .map((seg) => (/^\{[^}]+\}$/.test(seg) ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}/?$`);
}

function pathText(p: unknown): string {
  return typeof p === 'string' ? p : String(p);
}

/** Only plain paths with :params translate to OpenAPI; wildcards, optional parts and regexps do not. */
function isOpaque(p: string): boolean {
  return /[*?(){}[\]]/.test(p) || !p.startsWith('/');
}

function joinPath(prefix: string, path: string): string {
  const joined = `${prefix}/${path}`.replace(/\/+/g, '/');
  return joined.length > 1 ? joined.replace(/\/$/, '') : joined;
}

function toOpenApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}
