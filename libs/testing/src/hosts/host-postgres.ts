// A PostgreSQL cluster of its own inside a test host (libs/testing/src/hosts): initdb + pg_ctl from
// the machine's PostgreSQL, run as the `postgres` OS user inside the host's network namespace and
// listening only on the host's address, so cutting that host's link cuts the database off. Trust
// authentication from the hosts' private networks; its data in a temporary folder; stopped by its
// own data folder (pg_ctl stop), which ends only this server.
import { execFileSync } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestHosts } from './test-hosts.js';

const BIN = process.env.PG_BIN_DIR ?? '/usr/lib/postgresql/15/bin';

export interface HostPostgres {
  host: string;
  address: string;
  port: number;
  /** The superuser `postgres` on database `postgres`, at the host's address. */
  adminUrl: string;
  /** The postmaster's pid. */
  pid: number;
  /** Runs a statement as the superuser (from the root namespace, over the host's link). */
  sql: <T = Record<string, unknown>>(text: string, params?: unknown[]) => Promise<T[]>;
  stop: () => void;
}

export function startHostPostgres(
  hosts: TestHosts,
  hostName: string,
  o: { maxConnections?: number } = {},
): HostPostgres {
  if (!existsSync(join(BIN, 'initdb')))
    throw new Error(`no initdb in ${BIN}: install PostgreSQL's server package (or set PG_BIN_DIR)`);
  const host = hosts.host(hostName);
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  const dir = mkdtempSync(join(tmpdir(), 'failsoft-hostpg-'));
  chownSync(dir, uid, gid);
  const data = join(dir, 'data');
  const asPostgres = (cmd: string, args: string[]) =>
    execFileSync('ip', ['netns', 'exec', host.netns, 'runuser', '-u', 'postgres', '--', join(BIN, cmd), ...args], {
      stdio: 'pipe',
      timeout: 60_000,
    });
  asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-N']);
  // Every test host's network (10.200–10.209.x.x), the root namespace's address included.
  appendFileSync(join(data, 'pg_hba.conf'), 'host all all 10.0.0.0/8 trust\n');
  const port = 5432;
  const options =
    `-p ${port} -k ${dir} -c listen_addresses=${host.address} -c fsync=off ` +
    `-c max_connections=${o.maxConnections ?? 300}`;
  asPostgres('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-o', options, '-w', '-t', '30', 'start']);
  const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  hosts.adopt(pid);
  const adminUrl = `postgres://postgres@${host.address}:${port}/postgres`;
  return {
    host: hostName,
    address: host.address,
    port,
    adminUrl,
    pid,
    sql: async <T>(text: string, params: unknown[] = []) => {
      const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
      await client.connect();
      try {
        return (await client.query(text, params)).rows as T[];
      } finally {
        await client.end();
      }
    },
    stop: () => {
      try {
        asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // already stopped (or its host torn down): the pid is SIGKILLed with the hosts
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
