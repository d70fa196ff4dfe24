// The generated parts of the docs are what the code gives, the way k8s-manifests.spec.ts keeps
// deploy/k8s/failsoft.yaml equal to its generator: change a route, an env variable or a library
// layer, and this fails until `npm run docs` has rewritten the tables. The generator runs as
// `npm run docs` runs it, from dist/ (test/build-before-tests.ts has just rebuilt it), because
// the OpenAPI document needs tsc's decorator metadata (see main.ts).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { findRepoRoot } from '#service';
import { z } from '#runtime';
import { FailSoftMatrix } from '../../../apps/edge/src/fail-soft/route-dependencies.js';
import { configRows, configTable, envReaders, type EnvReader } from './config-table.js';
import { libLayers, libLayersGraph } from './lib-layers.js';
import { fillParts } from './markers.js';
import { BudgetNames } from '../../../apps/edge/src/limits/budgets.js';

const root = findRepoRoot();
let generated: { files: Record<string, string>; parts: Record<string, string> };
let readers: EnvReader[];

beforeAll(async () => {
  const out = execFileSync(process.execPath, [join(root, 'dist/tools/docs/src/main.js'), '--json'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  generated = JSON.parse(out) as typeof generated;
  readers = await envReaders();
}, 60_000);

describe('the generated parts of README.md and docs/', () => {
  it('are exactly what the code gives (regenerate with npm run docs)', () => {
    expect(Object.keys(generated.files)).toEqual(expect.arrayContaining(['README.md', 'docs/api.md']));
    for (const [file, text] of Object.entries(generated.files)) {
      expect(readFileSync(join(root, file), 'utf8'), `${file} is out of date: npm run docs`).toBe(text);
    }
  });

  it('are all in place: each table sits in the document that promises it', () => {
    const where: Record<string, string> = {
      routes: 'docs/api.md',
      shapes: 'docs/api.md',
      'fail-soft': 'docs/fail-soft.md',
      config: 'docs/operations.md',
      'lib-layers': 'docs/architecture.md',
      'lib-layers-graph': 'docs/architecture.md',
      'rate-limits': 'docs/security.md',
    };
    expect(Object.keys(generated.parts).sort()).toEqual(Object.keys(where).sort());
    for (const [name, file] of Object.entries(where)) {
      expect(generated.files[file], `${file} holds <!-- generated:${name} … -->`).toContain(`<!-- generated:${name} `);
    }
  });
});

describe('the rate-limit table', () => {
  it('has one row per budget, with its default and its variable', () => {
    const rows = generated.parts['rate-limits'].split('\n').slice(2);
    expect(rows.map((r) => r.split(' | ')[0].replace(/^\| /, ''))).toEqual(BudgetNames.map((name) => `\`${name}\``));
    expect(rows[0]).toBe(
      '| `auth.login.ip` | POST /auth/login | client IP | 25 per 5 min | `RATE_LIMIT_AUTH_LOGIN_IP` |',
    );
  });
});

describe('the route table', () => {
  it('has one row per route the edge serves, each with its fail-soft columns', () => {
    const rows = generated.parts.routes.split('\n').slice(2);
    const routes = rows.map((r) => /^\| `([A-Z]+ [^`?]+)/.exec(r)?.[1]);
    expect(routes.sort()).toEqual(Object.keys(FailSoftMatrix).sort());
    const row = (route: string) => rows.find((r) => r.startsWith(`| \`${route}`))!.split(' | ');
    // route | auth | body | answers | errors | key | 503 without | degraded without | what
    expect(row('GET /posts/:id').slice(1, 8)).toEqual([
      'optional',
      '–',
      '200 `Post`',
      '400 401 404 503',
      '–',
      'posts',
      'likes, comments, media, graph',
    ]);
    expect(row('PUT /posts/:id/like')[5]).toBe('yes');
  });
});

describe('the config table', () => {
  it('has every variable every app, the launcher, the operator CLI and the provisioner parse', () => {
    const names = configRows(root, readers).map((r) => r.name);
    for (const r of readers) {
      for (const name of Object.keys(r.schema.shape).filter((n) => n !== 'PATH')) {
        expect(names, `${name} (${r.name})`).toContain(name);
      }
    }
    expect(readers.map((r) => r.name)).toEqual([
      'identity',
      'posts',
      'comments',
      'likes',
      'media',
      'messaging',
      'graph',
      'feed',
      'notifications',
      'edge',
      'launcher',
      'mesh CLI',
      'mesh provision',
    ]);
  });

  it('gives the defaults, accepted values and readers the schemas give', () => {
    const row = (name: string) => configRows(root, readers).find((r) => r.name === name)!;
    expect([...row('READ_TIMEOUT_MS').defaults.keys()]).toEqual(['`200`']);
    expect([...row('EVENTS_STREAM_REPLICAS').accepts.keys()]).toEqual(['integer 1–5']);
    expect(row('DATABASE_URL').readers).toEqual([
      'identity',
      'posts',
      'comments',
      'likes',
      'media',
      'messaging',
      'graph',
      'feed',
      'notifications',
      'launcher',
    ]);
    expect(generated.parts.config).toContain('| `READ_TIMEOUT_MS` | `200` | integer ≥ 1 | edge |');
  });

  it('refuses a variable nobody described', () => {
    const reader = { name: 'probe', file: 'libs/runtime/src/env.ts', schema: z.object({ UNDESCRIBED: z.string() }) };
    expect(() => configTable(root, [reader])).toThrow(/no JSDoc comment on UNDESCRIBED/);
  });
});

describe('the library map', () => {
  it('draws an arrow for each permission no other one implies', async () => {
    const graph = libLayersGraph(await libLayers(root));
    expect(graph).toContain('  events --> mesh\n  events --> persistence');
    expect(graph).not.toContain('events --> contracts');
    expect(generated.parts['lib-layers-graph']).toBe(graph);
  });
});

describe('fillParts', () => {
  it('replaces a stale part and refuses one it has no generator for', () => {
    const stale = 'x\n<!-- generated:routes -->\nold table\n<!-- /generated:routes -->\ny\n';
    expect(fillParts(stale, { routes: 'new table' }, 'README.md')).toBe(
      'x\n<!-- generated:routes -->\n\nnew table\n\n<!-- /generated:routes -->\ny\n',
    );
    expect(() => fillParts('<!-- generated:nope -->\n<!-- /generated:nope -->', {}, 'README.md')).toThrow(
      /README.md: no generator for <!-- generated:nope -->/,
    );
  });
});
