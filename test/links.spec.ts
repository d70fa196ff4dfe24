// Nothing in the repository points outside it: every relative link of every markdown file lands
// on a file (and a heading, when it names one) inside the repository, and no source file cites
// a document by a path a clone does not have (the specs this project started from lived in a
// folder beside it, which a user never gets).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findRepoRoot } from '#service';

const root = findRepoRoot();
const THIS_FILE = 'test/links.spec.ts';
/** Tracked files, and new ones git does not ignore (so a doc is checked before its first commit). */
const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
  cwd: root,
  encoding: 'utf8',
})
  .split('\n')
  .filter((f) => f && existsSync(join(root, f)));
const markdown = files.filter((f) => f.endsWith('.md'));
const OUTSIDE = ['..', 'shared'].join('/');

/** The markdown without fenced code blocks, where nothing is a heading or a link. */
function withoutFences(md: string): string {
  return md.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
}

/** …and without inline code, where link-like text is not a link either. */
function prose(md: string): string {
  return withoutFences(md).replace(/`[^`\n]*`/g, '');
}

/** Inline links and images `[x](target)`, reference definitions `[x]: target`, and HTML href/src. */
function linksOf(md: string): string[] {
  const text = prose(md);
  const inline = [...text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]);
  const references = [...text.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((m) => m[1]);
  const html = [...text.matchAll(/\b(?:href|src)="([^"]+)"/g)].map((m) => m[1]);
  return [...inline, ...references, ...html];
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchorsOf(file: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of withoutFences(readFileSync(join(root, file), 'utf8')).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(m[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

const external = (target: string) => /^[a-z][a-z0-9+.-]*:/i.test(target);

/** What is wrong with one link of `file`, or undefined when it lands inside the repository. */
function problemOf(file: string, target: string): string | undefined {
  if (external(target)) return undefined;
  const [pathPart, anchor] = target.split('#', 2) as [string, string | undefined];
  const path = decodeURIComponent(pathPart.split('?')[0]);
  const absolute = path === '' ? join(root, file) : resolve(root, dirname(file), path);
  const inside = relative(root, absolute);
  if (path.startsWith('/') || inside.startsWith('..')) return 'points outside the repository';
  if (!existsSync(absolute)) return 'points to a file that does not exist';
  if (anchor && absolute.endsWith('.md') && statSync(absolute).isFile() && !anchorsOf(inside).has(anchor)) {
    return `names a heading ${inside} does not have`;
  }
  return undefined;
}

describe('links in markdown', () => {
  it('finds the links it is meant to, and none in code', () => {
    expect(
      linksOf(
        '[a](docs/api.md) ![b](x.png "t")\n[c]: ../up.md\n<a href="y.md">y</a> `[no](z.md)`\n```\n[no](w.md)\n```\n',
      ),
    ).toEqual(['docs/api.md', 'x.png', '../up.md', 'y.md']);
    expect(slug('Retrying writes: `Idempotency-Key`')).toBe('retrying-writes-idempotency-key');
  });

  it('every relative link of every markdown file lands on a file inside the repository', () => {
    expect(markdown).toContain('README.md');
    const broken = markdown.flatMap((file) =>
      linksOf(readFileSync(join(root, file), 'utf8')).flatMap((target) => {
        const problem = problemOf(file, target);
        return problem ? [`${file}: ${target} ${problem}`] : [];
      }),
    );
    expect(broken).toEqual([]);
  });

  it('no markdown file mentions the folder beside the repository', () => {
    const offenders = markdown.filter((f) => readFileSync(join(root, f), 'utf8').includes(OUTSIDE));
    expect(offenders).toEqual([]);
  });
});

describe('documents cited by source files', () => {
  const sources = files.filter(
    (f) => /^(apps|libs|tools|test|e2e|bench)\//.test(f) && !f.endsWith('.md') && f !== THIS_FILE,
  );

  it('no source file mentions the folder beside the repository or its spec/*.md files', () => {
    const offenders = sources.filter((f) => {
      const text = readFileSync(join(root, f), 'utf8');
      return text.includes(OUTSIDE) || /\bspec\/[\w-]+\.md\b/.test(text);
    });
    expect(offenders).toEqual([]);
  });

  it('every markdown file a source file names is in the repository, by its path from the root', () => {
    const missing = sources.flatMap((f) =>
      [...readFileSync(join(root, f), 'utf8').matchAll(/(?<![\w/.-])([\w./-]*[\w-]+\.md)\b/g)]
        .map((m) => m[1])
        .filter((doc) => !existsSync(join(root, doc)))
        .map((doc) => `${f}: ${doc}`),
    );
    expect(missing).toEqual([]);
  });
});
