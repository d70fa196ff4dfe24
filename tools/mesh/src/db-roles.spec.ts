import { describe, expect, it } from 'vitest';
import { DatabaseRolesError, serviceDatabases, withServiceDatabase } from './db-roles.js';
import { loadLauncherConfig } from './mesh.config.js';

const ADMIN = 'postgres://postgres:secret@127.0.0.1:5432/failsoft';

describe('serviceDatabases', () => {
  it('gives every selected service with a database its own role on the same server, owning its schema', () => {
    const c = loadLauncherConfig({ DATABASE_URL: ADMIN, MESH_APPS: 'identity,likes,edge', LIKES_DB_SCHEMA: 'likes_2' });
    expect(Object.fromEntries(serviceDatabases(c))).toEqual({
      identity: {
        url: 'postgres://failsoft_identity@127.0.0.1:5432/failsoft',
        role: { role: 'failsoft_identity', schema: 'identity' },
      },
      likes: {
        url: 'postgres://failsoft_likes@127.0.0.1:5432/failsoft',
        role: { role: 'failsoft_likes', schema: 'likes_2' },
      },
    });
  });

  it('takes a prefix, a URL of the service’s own (no role made for it), or MESH_DB_ROLES=off', () => {
    const own = 'postgres://likes_app:pw@db.internal:5432/prod';
    const c = loadLauncherConfig({
      DATABASE_URL: ADMIN,
      MESH_APPS: 'posts,likes',
      MESH_DB_ROLE_PREFIX: 'dev_',
      LIKES_DATABASE_URL: own,
    });
    expect(Object.fromEntries(serviceDatabases(c))).toEqual({
      posts: { url: 'postgres://dev_posts@127.0.0.1:5432/failsoft', role: { role: 'dev_posts', schema: 'posts' } },
      likes: { url: own },
    });
    const off = loadLauncherConfig({ DATABASE_URL: ADMIN, MESH_APPS: 'posts', MESH_DB_ROLES: 'off' });
    expect(Object.fromEntries(serviceDatabases(off))).toEqual({ posts: { url: ADMIN } });
  });

  it('makes no role for a test stand-in script, and refuses a DATABASE_URL that is not a URL', () => {
    const c = loadLauncherConfig({ MESH_APPS: 'posts', MESH_APP_OVERRIDE_posts: '/tmp/fake.mjs' });
    expect(serviceDatabases(c).get('posts')).toEqual({ url: 'postgres://failsoft_posts@127.0.0.1:5432/postgres' });
    expect(() => serviceDatabases(loadLauncherConfig({ DATABASE_URL: 'not a url', MESH_APPS: 'posts' }))).toThrow(
      new DatabaseRolesError('DATABASE_URL: not a URL (postgres://user@host:5432/database)'),
    );
  });

  it('refuses a bad MESH_DB_ROLES or prefix, naming the variable', () => {
    expect(() => loadLauncherConfig({ MESH_DB_ROLES: 'yes' })).toThrow(/^MESH_DB_ROLES: must be create or off$/);
    expect(() => loadLauncherConfig({ MESH_DB_ROLE_PREFIX: 'Bad-' })).toThrow(/^MESH_DB_ROLE_PREFIX: /);
  });
});

describe('withServiceDatabase', () => {
  it("hands a replica its own URL only: not the administrator's, not another service's", () => {
    const c = loadLauncherConfig({
      DATABASE_URL: ADMIN,
      MESH_APPS: 'posts,likes,edge',
      LIKES_DATABASE_URL: 'postgres://likes_app:pw@db/prod',
    });
    const dbs = serviceDatabases(c);
    const env = { ...c.childEnv, OTHER: 'kept' };
    expect(withServiceDatabase('posts', env, dbs)).toEqual({
      DATABASE_URL: 'postgres://failsoft_posts@127.0.0.1:5432/failsoft',
      MESH_APPS: 'posts,likes,edge',
      OTHER: 'kept',
    });
    expect(withServiceDatabase('likes', env, dbs)).toMatchObject({ DATABASE_URL: 'postgres://likes_app:pw@db/prod' });
    expect(withServiceDatabase('likes', env, dbs)).not.toHaveProperty('LIKES_DATABASE_URL');
    expect(withServiceDatabase('edge', env, dbs)).toEqual({ MESH_APPS: 'posts,likes,edge', OTHER: 'kept' });
  });
});
