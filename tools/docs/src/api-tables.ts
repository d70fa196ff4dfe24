// docs/api.md's and docs/fail-soft.md's generated parts, from the OpenAPI document the edge
// builds (describeEdgeApi: the document /openapi.json serves, made without a running edge): the
// route table, the shapes of the bodies, and the fail-soft contract by service from each
// operation's `x-fail-soft`.
import { isDeepStrictEqual } from 'node:util';
import type { OpenAPIObject } from '@nestjs/swagger';

/** The part of a JSON Schema (OpenAPI 3.0 flavour) the tables read. */
interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  pattern?: string;
  enum?: unknown[];
  nullable?: boolean;
  description?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  maxItems?: number;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: unknown;
}
type Content = Record<string, { schema?: Schema }>;
interface FailSoft {
  needs: string[];
  degrades?: string[];
  needsWhen?: Record<string, string>;
}
interface OperationDoc {
  summary?: string;
  tags?: string[];
  security?: Array<Record<string, unknown>>;
  parameters?: Array<{ name: string; in: string }>;
  requestBody?: { content?: Content };
  responses?: Record<string, { content?: Content }>;
  'x-fail-soft': FailSoft;
}
interface Operation {
  method: string;
  path: string;
  op: OperationDoc;
}

const METHODS = ['get', 'post', 'put', 'delete', 'patch'] as const;
const code = (s: string | number) => `\`${s}\``;
const row = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|').replace(/\n/g, ' ')).join(' | ')} |`;
const table = (head: string[], rows: string[][]) =>
  [row(head), row(head.map(() => '---')), ...rows.map(row)].join('\n');

/** Every operation, in the document's order, the operator routes (tag `operations`) last. */
export function operations(doc: OpenAPIObject): Operation[] {
  const all: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = (item as Record<string, OperationDoc | undefined>)[method];
      if (op) all.push({ method: method.toUpperCase(), path: path.replace(/\{(\w+)\}/g, ':$1'), op });
    }
  }
  const last = (o: Operation) => (o.op.tags?.includes('operations') ? 1 : 0);
  return all.sort((a, b) => last(a) - last(b));
}

const refName = (s: Schema | undefined) => s?.$ref?.split('/').pop();

function route(o: Operation): string {
  const query = (o.op.parameters ?? [])
    .filter((p) => p.in === 'query')
    .map((p) => p.name)
    .sort();
  return code(`${o.method} ${o.path}${query.length ? `?${query.join('&')}` : ''}`);
}

function auth(o: Operation): string {
  const security = o.op.security ?? [];
  if (security.length === 0) return '–';
  return security.some((s) => Object.keys(s).length === 0) ? 'optional' : 'bearer';
}

function body(o: Operation): string {
  return Object.entries(o.op.requestBody?.content ?? {})
    .map(([type, c]) => {
      const name = refName(c.schema);
      if (name) return code(name);
      if (type === 'multipart/form-data')
        return `multipart ${Object.keys(c.schema?.properties ?? {})
          .map(code)
          .join(', ')}`;
      return type;
    })
    .join(', ');
}

function answers(o: Operation): { ok: string; errors: string } {
  const responses = Object.entries(o.op.responses ?? {});
  const ok = responses
    .filter(([status]) => Number(status) < 400)
    .map(([status, r]) => {
      const what = Object.entries(r.content ?? {})
        .map(([type, c]) => {
          const name = refName(c.schema);
          return name ? code(name) : type;
        })
        .join(', ');
      return what ? `${status} ${what}` : status;
    });
  const errors = responses.filter(([status]) => Number(status) >= 400).map(([status]) => status);
  return { ok: ok.join(' · '), errors: errors.join(' ') };
}

function needs(o: Operation): string {
  const f = o.op['x-fail-soft'];
  return [...f.needs, ...Object.entries(f.needsWhen ?? {}).map(([s, when]) => `${s} when ${when}`)].join('; ') || '–';
}

const keyed = (o: Operation) => (o.op.parameters ?? []).some((p) => p.in === 'header' && p.name === 'Idempotency-Key');

/** One row per route: what to send, what comes back, and what each service's absence does. */
export function routeTable(doc: OpenAPIObject): string {
  return table(
    ['route', 'auth', 'body', 'answers', 'errors', 'key', '503 without', 'degraded without', 'what'],
    operations(doc).map((o) => {
      const { ok, errors } = answers(o);
      return [
        route(o),
        auth(o),
        body(o) || '–',
        ok,
        errors || '–',
        keyed(o) ? 'yes' : '–',
        needs(o),
        (o.op['x-fail-soft'].degrades ?? []).join(', ') || '–',
        o.op.summary ?? '',
      ];
    }),
  );
}

/** The fail-soft contract by service: the routes that answer 503 without it, and those that degrade. */
export function failSoftTable(doc: OpenAPIObject, services: readonly string[]): string {
  const ops = operations(doc);
  const list = (pick: (f: FailSoft) => boolean) =>
    ops
      .filter((o) => pick(o.op['x-fail-soft']))
      .map((o) => code(`${o.method} ${o.path}`))
      .join(', ') || '–';
  return table(
    ['down', '503 naming it', '503 only when', 'still 200, with it in `degraded`'],
    services.map((s) => [
      code(s),
      list((f) => f.needs.includes(s)),
      ops
        .flatMap((o) => {
          const when = o.op['x-fail-soft'].needsWhen?.[s];
          return when ? [`${code(`${o.method} ${o.path}`)}: ${when}`] : [];
        })
        .join('; ') || '–',
      list((f) => (f.degrades ?? []).includes(s)),
    ]),
  );
}

// ---- shapes ----

const SAFE = Number.MAX_SAFE_INTEGER;
type Components = Record<string, Schema>;

/** The name of the component a schema is (by reference, or as an inline copy of it). */
function named(s: Schema, components: Components): string | undefined {
  return refName(s) ?? Object.entries(components).find(([, c]) => isDeepStrictEqual(c, s))?.[0];
}

function typeOf(s: Schema, components: Components): string {
  const name = named(s, components);
  if (name) return name;
  let t: string;
  if (s.enum) t = s.enum.map((v) => JSON.stringify(v)).join(' | ');
  else if (s.type === 'array') {
    const item = typeOf(s.items ?? {}, components);
    t = `${item.includes(' | ') ? `(${item})` : item}[]`;
  } else if (s.type === 'object' && s.properties) {
    const required = new Set(s.required ?? []);
    t = `{ ${Object.entries(s.properties)
      .map(([k, v]) => `${k}${required.has(k) ? '' : '?'}: ${typeOf(v, components)}`)
      .join(', ')} }`;
  } else if (s.type === 'string' && s.format && s.format !== 'binary') t = s.format;
  else t = s.type ?? 'any';
  return s.nullable ? `${t} | null` : t;
}

/** What a field accepts beyond its type: lengths, patterns, ranges, item counts. */
function constraints(s: Schema): string {
  const out: string[] = [];
  if (s.type === 'string' && !s.format && s.pattern) out.push(code(s.pattern));
  if (s.minLength !== undefined || s.maxLength !== undefined) {
    out.push(`${s.minLength ?? 0}–${s.maxLength ?? '∞'} characters`);
  }
  if (s.minimum !== undefined && s.minimum > -SAFE) out.push(`≥ ${s.minimum}`);
  if (s.maximum !== undefined && s.maximum < SAFE) out.push(`≤ ${s.maximum}`);
  if (s.maxItems !== undefined) out.push(`at most ${s.maxItems} items`);
  if (s.items)
    out.push(
      ...constraints(s.items)
        .split('; ')
        .filter(Boolean)
        .map((c) => `each ${c}`),
    );
  return out.join('; ');
}

const inlineObject = (s: Schema, components: Components) =>
  s.type === 'object' && s.properties !== undefined && named(s, components) === undefined;

/** A shape's fields as rows; an inline object (or array of them) is followed by its own fields. */
function fieldRows(s: Schema, components: Components, prefix = ''): string[][] {
  const required = new Set(s.required ?? []);
  return Object.entries(s.properties ?? {}).flatMap(([field, f]) => {
    const path = `${prefix}${field}`;
    const name = `${path}${required.has(field) ? '' : '?'}`;
    const notes = [constraints(f), f.description ?? ''].filter(Boolean).join('; ') || '–';
    if (inlineObject(f, components)) {
      return [
        [code(name), code(f.nullable ? 'object | null' : 'object'), notes],
        ...fieldRows(f, components, `${path}.`),
      ];
    }
    if (f.type === 'array' && f.items && inlineObject(f.items, components)) {
      return [[code(name), code('object[]'), notes], ...fieldRows(f.items, components, `${path}[].`)];
    }
    return [[code(name), code(typeOf(f, components)), notes]];
  });
}

/** Each named shape of the document as a table of its fields (`?`: may be absent). */
export function shapeTables(doc: OpenAPIObject): string {
  const components = (doc.components?.schemas ?? {}) as Components;
  return Object.entries(components)
    .map(([name, s]) => {
      const closed = s.additionalProperties === false ? 'Unknown fields are refused (400).\n\n' : '';
      return `#### ${name}\n\n${closed}${table(['field', 'type', 'notes'], fieldRows(s, components))}`;
    })
    .join('\n\n');
}
