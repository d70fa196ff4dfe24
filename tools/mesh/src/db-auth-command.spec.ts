import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MeshServices } from '#contracts';
import { dbAuthCommand, rolesFromUrls } from './db-auth-command.js';

const dirs: string[] = [];
afterEach(() => {
  dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));
  vi.restoreAllMocks();
});

const envFile = (text: string) =>
  Object.fromEntries(
    text
      .trim()
      .split('\n')
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );

describe('mesh db-auth / db-roles', () => {
  it("writes each service's own DATABASE_URL and a roles.env that db-roles reads back as the same roles", () => {
    vi.spyOn(process.stdout, 'write').mockReturnValue(true);
    const dir = mkdtempSync(join(tmpdir(), 'failsoft-db-auth-'));
    dirs.push(dir);
    expect(dbAuthCommand({ outDir: dir, server: 'postgres:5432/failsoft' })).toBe(0);
    const roles = envFile(readFileSync(join(dir, 'roles.env'), 'utf8'));
    expect(Object.keys(roles)).toEqual(MeshServices.map((s) => `${s.toUpperCase()}_DATABASE_URL`));
    const parsed = rolesFromUrls(roles);
    expect(parsed.map((r) => [r.role, r.schema])).toEqual(MeshServices.map((s) => [`failsoft_${s}`, s]));
    for (const r of parsed) expect(r.password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(new Set(parsed.map((r) => r.password)).size).toBe(MeshServices.length);
    for (const s of MeshServices) {
      const own = envFile(readFileSync(join(dir, `${s}.env`), 'utf8'));
      expect(own).toEqual({ DATABASE_URL: roles[`${s.toUpperCase()}_DATABASE_URL`] });
      expect(statSync(join(dir, `${s}.env`)).mode & 0o777).toBe(0o600);
    }
  });

  it('makes roles only for the services whose URL is given, without a password when it has none', () => {
    expect(rolesFromUrls({ LIKES_DATABASE_URL: 'postgres://failsoft_likes@db:5432/failsoft' })).toEqual([
      { role: 'failsoft_likes', schema: 'likes' },
    ]);
  });
});
