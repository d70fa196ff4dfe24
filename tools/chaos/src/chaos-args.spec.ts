import { describe, expect, it } from 'vitest';
import { jsonPathOf, parseChaosArgs, UsageError } from './chaos-args.js';

describe('parseChaosArgs', () => {
  it('writes chaos-report.html in the repository root by default, the full scenario', () => {
    expect(parseChaosArgs([], '/repo')).toEqual({
      out: '/repo/chaos-report.html',
      short: false,
      restartPostgres: false,
      overload: false,
      help: false,
    });
  });

  it('--overload writes overload-report.html by default, and has no PostgreSQL restart', () => {
    expect(parseChaosArgs(['--overload', '--short'], '/repo')).toMatchObject({
      out: '/repo/overload-report.html',
      short: true,
      overload: true,
    });
    expect(() => parseChaosArgs(['--overload', '--restart-postgres'], '/repo')).toThrow(UsageError);
  });

  it('takes --out (resolved), --short and --restart-postgres', () => {
    expect(parseChaosArgs(['--short', '--out', '/tmp/r/x.html', '--restart-postgres'], '/repo')).toEqual({
      out: '/tmp/r/x.html',
      short: true,
      restartPostgres: true,
      overload: false,
      help: false,
    });
    expect(parseChaosArgs(['--out=/tmp/y.html'], '/repo').out).toBe('/tmp/y.html');
  });

  it('refuses unknown options, positionals and an --out that is not .html', () => {
    expect(() => parseChaosArgs(['--fast'], '/repo')).toThrow(UsageError);
    expect(() => parseChaosArgs(['report.html'], '/repo')).toThrow(UsageError);
    expect(() => parseChaosArgs(['--out', '/tmp/r.json'], '/repo')).toThrow(/must name an \.html file/);
  });

  it('puts the JSON beside the HTML', () => {
    expect(jsonPathOf('/tmp/r/chaos-report.html')).toBe('/tmp/r/chaos-report.json');
  });
});
