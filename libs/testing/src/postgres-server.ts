// A private PostgreSQL server with password authentication (scram-sha-256), for the tests that
// need one: the shared server trusts every local connection, so a wrong password cannot be shown
// there. initdb + pg_ctl from the machine's PostgreSQL, run as the `postgres` OS user (PostgreSQL
// refuses root), on a free loopback port, its data in a temporary folder; stopped by its own data
// folder (pg_ctl stop), which ends only this server.
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

const BIN = process.env.PG_BIN_DIR ?? '/usr/lib/postgresql/15/bin';

export interface PasswordPostgres {
  port: number;
  /** The superuser `postgres` with its password, on database `postgres`. */
  adminUrl: string;
  stop: () => void;
}

export async function startPasswordPostgres(password = 'admin-password'): Promise<PasswordPostgres> {
  if (!existsSync(join(BIN, 'initdb')))
    throw new Error(`no initdb in ${BIN}: install PostgreSQL's server package (or set PG_BIN_DIR)`);
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  const dir = mkdtempSync(join(tmpdir(), 'failsoft-pg-'));
  chownSync(dir, uid, gid);
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, `${password}\n`);
  chownSync(pwfile, uid, gid);
  const data = join(dir, 'data');
  const asPostgres = (cmd: string, args: string[]) =>
    execFileSync('runuser', ['-u', 'postgres', '--', join(BIN, cmd), ...args], { stdio: 'pipe', timeout: 30_000 });
  asPostgres('initdb', ['-D', data, '-A', 'scram-sha-256', '-U', 'postgres', `--pwfile=${pwfile}`, '-N']);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  // Its log to a file: the server must not hold our pipes open.
  asPostgres('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-o', options, '-w', '-t', '20', 'start']);
  return {
    port,
    adminUrl: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    stop: () => {
      try {
        asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
