// The configuration table of docs/operations.md, from the env schemas themselves: each app's
// `<app>.config.ts` (and the launcher's mesh.config.ts) exports the zod object it parses
// process.env with, and the shared variables come from libs/runtime/src/env.ts. Defaults and
// accepted values are read off the schemas; descriptions are the JSDoc comments on the schema
// properties, read from the sources with the TypeScript compiler (a variable without one is an
// error: document it where it is parsed).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { databaseEnv, eventsEnv, meshEnv, outboxEnv, z } from '#runtime';
import { AppNames } from '../../mesh/src/app-catalogue.js';
import { LauncherEnv, OperatorEnv, ProvisionEnv } from '../../mesh/src/mesh.config.js';

/** Who reads a set of variables, from which file, with which schema. */
export interface EnvReader {
  name: string;
  file: string;
  schema: z.ZodObject;
}

const SHARED_FILE = 'libs/runtime/src/env.ts';
const SHARED: Record<string, z.ZodType> = { ...meshEnv, ...databaseEnv, ...eventsEnv, ...outboxEnv };
/** Read by the launcher only to find nats-server; not ours to document. */
const SYSTEM_VARIABLES = new Set(['PATH']);

const pascal = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * Every reader of the environment: the apps of the launcher's catalogue (each exports
 * `<App>Env` from `apps/<app>/src/<app>.config.ts`), then the launcher and the operator CLI.
 */
export async function envReaders(): Promise<EnvReader[]> {
  const apps = await Promise.all(
    AppNames.map(async (app) => {
      const file = `apps/${app}/src/${app}.config.ts`;
      const specifier = `../../../apps/${app}/src/${app}.config.js`;
      const mod = (await import(/* @vite-ignore */ specifier)) as Record<string, unknown>;
      const schema = mod[`${pascal(app)}Env`];
      if (!(schema instanceof z.ZodObject)) throw new Error(`${file} must export its env schema as ${pascal(app)}Env`);
      return { name: app, file, schema };
    }),
  );
  return [
    ...apps,
    { name: 'launcher', file: 'tools/mesh/src/mesh.config.ts', schema: LauncherEnv },
    { name: 'mesh CLI', file: 'tools/mesh/src/mesh.config.ts', schema: OperatorEnv },
    { name: 'mesh provision', file: 'tools/mesh/src/mesh.config.ts', schema: ProvisionEnv },
  ];
}

/** The JSDoc of every UPPER_CASE property assignment in a source file, by property name. */
export function envComments(root: string, file: string): Map<string, string> {
  const source = ts.createSourceFile(file, readFileSync(join(root, file), 'utf8'), ts.ScriptTarget.Latest, true);
  const found = new Map<string, string>();
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAssignment(node) && ts.isIdentifier(node.name) && /^[A-Z][A-Z0-9_]*$/.test(node.name.text)) {
      const text = ts
        .getJSDocCommentsAndTags(node)
        .filter(ts.isJSDoc)
        .map((d) => ts.getTextOfJSDocComment(d.comment) ?? '')
        .join(' ')
        .replace(/\s+/g, ' ')
        .trim();
      if (text) found.set(node.name.text, text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The part of zod's schema definitions read here (zod 4's `_zod.def`). */
interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  format?: string;
  checks?: Array<{ _zod: { def: { format?: string; pattern?: RegExp } } }>;
}
const defOf = (s: z.ZodType) => (s as unknown as { _zod: { def: Def } })._zod.def;

/** The schema under defaults, optionals and transforms: what the raw string must be. */
function accepted(schema: z.ZodType): z.ZodType {
  const d = defOf(schema);
  if ((d.type === 'default' || d.type === 'optional') && d.innerType) return accepted(d.innerType);
  if (d.type === 'pipe' && d.in) return accepted(d.in);
  return schema;
}

const code = (v: unknown) => `\`${String(v)}\``;

function describeAccepted(schema: z.ZodType): string {
  const s = accepted(schema);
  if (s instanceof z.ZodEnum) return s.options.map(code).join(' ');
  if (s instanceof z.ZodNumber) {
    const kind = s.isInt ? 'integer' : 'number';
    const min = s.minValue !== null && s.minValue > Number.MIN_SAFE_INTEGER ? s.minValue : undefined;
    const max = s.maxValue !== null && s.maxValue < Number.MAX_SAFE_INTEGER ? s.maxValue : undefined;
    if (min !== undefined && max !== undefined) return `${kind} ${min}–${max}`;
    if (min !== undefined) return `${kind} ≥ ${min}`;
    if (max !== undefined) return `${kind} ≤ ${max}`;
    return kind;
  }
  const d = defOf(s);
  if (d.type === 'string') {
    if (d.format === 'url') return 'URL';
    const regex = (d.checks ?? []).map((c) => c._zod.def).find((c) => c.format === 'regex');
    if (regex) return code(String(regex.pattern));
    return 'text';
  }
  return d.type;
}

function describeDefault(schema: z.ZodType): string {
  const r = schema.safeParse(undefined);
  if (!r.success) return 'required';
  if (r.data === undefined) return 'unset';
  return r.data === '' ? '`""`' : code(r.data);
}

interface Row {
  name: string;
  readers: string[];
  /** Per reader: default, accepted values, description. */
  defaults: Map<string, string[]>;
  accepts: Map<string, string[]>;
  descriptions: Map<string, string[]>;
}

function add(map: Map<string, string[]>, value: string, reader: string): void {
  map.set(value, [...(map.get(value) ?? []), reader]);
}

/** One value when every reader agrees; else each value with the readers it belongs to. */
function joined(map: Map<string, string[]>, separator: string): string {
  if (map.size === 1) return [...map.keys()][0];
  return [...map].map(([value, readers]) => `${value} (${readersText(readers)})`).join(separator);
}

function readersText(readers: string[]): string {
  const services = AppNames.filter((a) => a !== 'edge');
  const all = (names: readonly string[]) => names.every((n) => readers.includes(n));
  const [head, rest] = all(AppNames)
    ? ['every app', readers.filter((r) => !(AppNames as readonly string[]).includes(r))]
    : all(services)
      ? ['every service', readers.filter((r) => !(services as readonly string[]).includes(r))]
      : [undefined, readers];
  return [...(head ? [head] : []), ...rest].join(', ');
}

export function configRows(root: string, readers: EnvReader[]): Row[] {
  const shared = envComments(root, SHARED_FILE);
  const comments = new Map(readers.map((r) => [r.file, envComments(root, r.file)]));
  const rows = new Map<string, Row>();
  // The shared variables first, in env.ts's order; then each reader's own, in its order.
  for (const name of Object.keys(SHARED)) {
    if (readers.some((r) => name in r.schema.shape)) {
      rows.set(name, { name, readers: [], defaults: new Map(), accepts: new Map(), descriptions: new Map() });
    }
  }
  for (const reader of readers) {
    for (const [name, schema] of Object.entries(reader.schema.shape) as Array<[string, z.ZodType]>) {
      if (SYSTEM_VARIABLES.has(name)) continue;
      let row = rows.get(name);
      if (!row) {
        row = { name, readers: [], defaults: new Map(), accepts: new Map(), descriptions: new Map() };
        rows.set(name, row);
      }
      row.readers.push(reader.name);
      add(row.defaults, describeDefault(schema), reader.name);
      add(row.accepts, describeAccepted(schema), reader.name);
      const own = comments.get(reader.file)?.get(name);
      const inherited = SHARED[name] === schema ? shared.get(name) : undefined;
      const description = own ?? inherited;
      if (description) add(row.descriptions, description, reader.name);
    }
  }
  const out = [...rows.values()];
  const undocumented = out.filter((r) => r.descriptions.size === 0).map((r) => r.name);
  if (undocumented.length > 0) {
    throw new Error(`no JSDoc comment on ${undocumented.join(', ')}: say what each is where its schema is declared`);
  }
  return out;
}

const cell = (s: string) => s.replace(/\|/g, '\\|');

/** The markdown table: variable, default, accepted values, readers, meaning. */
export function configTable(root: string, readers: EnvReader[]): string {
  const lines = [
    '| variable | default | accepts | read by | meaning |',
    '| --- | --- | --- | --- | --- |',
    ...configRows(root, readers).map((r) =>
      [
        code(r.name),
        joined(r.defaults, '; '),
        joined(r.accepts, '; '),
        readersText(r.readers),
        joined(r.descriptions, ' — '),
      ]
        .map(cell)
        .join(' | ')
        .replace(/^/, '| ')
        .replace(/$/, ' |'),
    ),
  ];
  return lines.join('\n');
}
