// The architecture's boundaries are lint rules; this proves the rules bite, so the boundary
// cannot quietly stop being enforced.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// Only the boundary rule, without type information: the probe files below do not exist on disk.
const eslint = new ESLint({
  ruleFilter: ({ ruleId }) => ruleId === 'no-restricted-imports',
  overrideConfig: { languageOptions: { parserOptions: { projectService: false } } },
});

async function restrictedImports(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  expect(result?.messages.filter((m) => m.fatal)).toEqual([]);
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('boundaries', () => {
  it('an app may not import another app', async () => {
    const messages = await restrictedImports(
      'apps/posts/src/probe.ts',
      "import { EDGE_VERSION } from '../../edge/src/edge.app.js';\nexport const v = EDGE_VERSION;\n",
    );
    expect(messages).toEqual([expect.stringContaining('No app imports another app')]);
  });

  it('an app reaches libraries only through their aliases', async () => {
    const messages = await restrictedImports(
      'apps/identity/src/probe.ts',
      "import { Subjects } from '../../../libs/contracts/src/index.js';\nexport const s = Subjects;\n",
    );
    expect(messages).toEqual([expect.stringContaining('#contracts')]);
  });

  it('contracts import no framework', async () => {
    const messages = await restrictedImports(
      'libs/contracts/src/probe.ts',
      "import { Entity } from 'typeorm';\nexport const e = Entity;\n",
    );
    expect(messages).toEqual([expect.stringContaining('no database here')]);
  });

  // Each library imports only the layers below it (LIB_LAYERS in eslint.config.js).
  it.each([
    [
      'libs/persistence/src/probe.ts',
      "import { MeshClient } from '#mesh';",
      'libs/persistence may import only #contracts, #runtime',
    ],
    ['libs/persistence/src/probe.ts', "import { connect } from '@nats-io/transport-node';", 'no NATS here'],
    ['libs/runtime/src/probe.ts', "import { MeshClient } from '#mesh';", 'libs/runtime may import only #contracts'],
    ['libs/mesh/src/probe.ts', "import { Outbox } from '#events';", 'libs/mesh may import only #contracts, #runtime'],
    ['libs/mesh/src/probe.ts', "import { DataSource } from 'typeorm';", 'no database here'],
    ['libs/events/src/probe.ts', "import { runService } from '#service';", 'libs/events may import only'],
    ['libs/mesh/src/probe.ts', "import { x } from '../../persistence/src/index.js';", 'through its #alias'],
  ])('%s: %s is refused', async (file, importLine, message) => {
    const messages = await restrictedImports(file, `${importLine}\nexport const probe = 1;\n`);
    expect(messages).toEqual([expect.stringContaining(message)]);
  });

  it('nothing that runs in an image imports #testing; tests may', async () => {
    const code = "import { freePort } from '#testing';\nexport const f = freePort;\n";
    for (const file of ['apps/posts/src/probe.ts', 'tools/mesh/src/probe.ts']) {
      expect(await restrictedImports(file, code)).toEqual([
        expect.stringContaining('#testing and #loadgen are for tests'),
      ]);
    }
    // A library's own code: #testing is above every layer.
    expect(await restrictedImports('libs/service/src/probe.ts', code)).toEqual([
      expect.stringContaining('libs/service may import only'),
    ]);
    for (const file of [
      'apps/posts/src/probe.spec.ts',
      'apps/posts/test/probe.int-spec.ts',
      'libs/mesh/test/probe.int-spec.ts',
      'tools/chaos/src/probe.ts',
    ]) {
      expect(await restrictedImports(file, code)).toEqual([]);
    }
  });

  it('#loadgen (the bench load generator) stays out of the images too; the bench and tools may use it', async () => {
    const code = "import { runOpenLoop } from '#loadgen';\nexport const f = runOpenLoop;\n";
    for (const file of ['apps/edge/src/probe.ts', 'tools/mesh/src/probe.ts']) {
      expect(await restrictedImports(file, code)).toEqual([expect.stringContaining('#loadgen are for tests')]);
    }
    expect(await restrictedImports('libs/mesh/src/probe.ts', code)).toEqual([
      expect.stringContaining('libs/mesh may import only'),
    ]);
    expect(
      await restrictedImports(
        'libs/loadgen/src/probe.ts',
        "import { Subjects } from '#contracts';\nexport const s = Subjects;\n",
      ),
    ).toEqual([expect.stringContaining('libs/loadgen may import only no library of ours')]);
    for (const file of ['bench/probe.ts', 'tools/chaos/src/probe.ts', 'libs/loadgen/src/probe.spec.ts']) {
      expect(await restrictedImports(file, code)).toEqual([]);
    }
  });

  it('an app importing its own files and the libraries is fine', async () => {
    const messages = await restrictedImports(
      'apps/posts/src/probe.ts',
      "import { Subjects } from '#contracts';\nimport { PostsService } from './posts.service.js';\nexport const s = [Subjects, PostsService];\n",
    );
    expect(messages).toEqual([]);
  });
});
