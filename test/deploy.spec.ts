// What can be checked of docker-compose.yml and the NATS cluster config without a Docker engine:
// the files parse, every app has a service with its NATS credentials, a healthcheck, a restart
// policy and replicas; three clustered JetStream nodes; and nats-server itself accepts the
// cluster config with a generated authorization block.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { authorizationConfig, generateCredentials } from '#mesh';
import { AppNames } from '../tools/mesh/src/app-catalogue.js';

const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as {
  services: Record<string, any>;
  volumes: Record<string, unknown>;
};
const services = compose.services;

describe('docker-compose.yml', () => {
  it('has a service per app with its own NATS credentials, a healthcheck and a restart policy', () => {
    for (const app of AppNames) {
      const s = services[app];
      expect(s, app).toBeDefined();
      expect(s.build.args.APP).toBe(app);
      // Its NATS user and, for a service, its own PostgreSQL role (the edge has no database).
      expect(s.env_file).toEqual(
        app === 'edge' ? ['.mesh/nats/edge.env'] : [`.mesh/nats/${app}.env`, `.mesh/db/${app}.env`],
      );
      expect(s.environment.DATABASE_URL, app).toBeUndefined();
      expect(s.healthcheck.test.join(' ')).toMatch(/health\/ready/);
      expect(s.restart).toBe('unless-stopped');
      expect(s.environment.NATS_URL.split(',')).toHaveLength(3);
    }
  });

  it('makes the JetStream layout with a one-shot provisioner before any app starts, with credentials no app has', () => {
    const p = services.provision;
    expect(p.command).toEqual(['node', 'dist/tools/mesh/src/main.js', 'provision']);
    expect(p.env_file).toEqual(['.mesh/nats/provisioner.env']);
    expect(p.restart).toBe('no');
    expect(p.environment).toMatchObject({ EVENTS_STREAM_REPLICAS: '3' });
    for (const app of AppNames) {
      expect(services[app].depends_on.provision, app).toEqual({ condition: 'service_completed_successfully' });
      expect(services[app].env_file).not.toContain('.mesh/nats/provisioner.env');
    }
  });

  it('connects every service as its own PostgreSQL role, made by a one-shot before any app starts', () => {
    const r = services['db-roles'];
    expect(r.command).toEqual(['node', 'dist/tools/mesh/src/main.js', 'db-roles']);
    expect(r.env_file).toEqual(['.mesh/db/roles.env']);
    expect(r.environment.DATABASE_URL).toMatch(/^postgres:\/\/failsoft:/);
    expect(r.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    for (const app of AppNames) {
      expect(services[app].depends_on['db-roles'], app).toEqual({ condition: 'service_completed_successfully' });
      expect(services[app].env_file).not.toContain('.mesh/db/roles.env');
    }
  });

  it('runs two replicas of every feature service and the edge on :3000', () => {
    for (const app of AppNames.filter((a) => a !== 'edge')) {
      expect(services[app].deploy.replicas, app).toBe(2);
      expect(services[app].environment.HEALTH_PORT).toBe('8081');
      expect(services[app].healthcheck.test.join(' ')).toContain(':8081/health/ready');
    }
    // The admin listener (/mesh, /metrics, the board) on the host's loopback only.
    expect(services.edge.ports).toEqual(['3000:3000', '127.0.0.1:3100:3100']);
    expect(services.edge.healthcheck.test.join(' ')).toContain(':3000/health/ready');
  });

  it('clusters three JetStream NATS nodes and replicates the streams three ways', () => {
    const nodes = ['nats-1', 'nats-2', 'nats-3'];
    for (const n of nodes) {
      const cmd = services[n].command as string[];
      expect(cmd).toEqual(expect.arrayContaining(['-js', '--name', n, '--cluster_name', 'failsoft']));
      expect(cmd[cmd.indexOf('--routes') + 1].split(',')).toHaveLength(3);
      expect(services[n].volumes).toContain(`${n}:/data`);
      expect(compose.volumes).toHaveProperty(n);
    }
    // The streams' replicas are the provisioner's setting (above), no app's.
    expect(services.posts.environment).not.toHaveProperty('EVENTS_STREAM_REPLICAS');
    for (const app of AppNames) {
      expect(Object.keys(services[app].depends_on)).toEqual(expect.arrayContaining([...nodes, 'postgres']));
    }
    expect(services.postgres.volumes).toEqual(['pg-data:/var/lib/postgresql/data']);
  });

  it('nats-server accepts the cluster config with a generated authorization block', () => {
    const dir = mkdtempSync(join(tmpdir(), 'failsoft-deploy-'));
    try {
      copyFileSync('deploy/nats/cluster.conf', join(dir, 'cluster.conf'));
      writeFileSync(join(dir, 'auth.conf'), authorizationConfig(generateCredentials(), { mediaBucket: 'media' }));
      const r = spawnSync(process.env.NATS_SERVER_BIN ?? 'nats-server', ['-c', join(dir, 'cluster.conf'), '-t'], {
        encoding: 'utf8',
      });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout + r.stderr).toMatch(/configuration file .* is valid/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
