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
    expect(messages).toEqual([expect.stringContaining('No TypeORM')]);
  });

  it('an app importing its own files and the libraries is fine', async () => {
    const messages = await restrictedImports(
      'apps/posts/src/probe.ts',
      "import { Subjects } from '#contracts';\nimport { PostsService } from './posts.service.js';\nexport const s = [Subjects, PostsService];\n",
    );
    expect(messages).toEqual([]);
  });
});
