import { describe, expect, it } from 'vitest';
import { DefaultScryptParams, PasswordHasher } from './password-hasher.js';

const hasher = new PasswordHasher();
// Cheap parameters where the test is about the format, not the cost.
const cheap = new PasswordHasher({ N: 2 ** 10, r: 8, p: 1 });

describe('PasswordHasher', () => {
  it('writes a self-describing scrypt string with the OWASP parameters, not the password', async () => {
    const stored = await hasher.hash('correct horse battery');
    const [prefix, n, r, p, salt, key, ...rest] = stored.split('$');
    expect([prefix, Number(n), Number(r), Number(p)]).toEqual(['scrypt', 2 ** 15, 8, 3]);
    expect(DefaultScryptParams).toEqual({ N: 32768, r: 8, p: 3 });
    expect(Buffer.from(salt, 'base64')).toHaveLength(16);
    expect(Buffer.from(key, 'base64')).toHaveLength(32);
    expect(rest).toEqual([]);
    expect(stored).not.toContain('correct horse battery');
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hasher.hash('correct horse battery');
    expect(await hasher.verify('correct horse battery', stored)).toBe(true);
    expect(await hasher.verify('correct horse batterz', stored)).toBe(false);
    expect(await hasher.verify('', stored)).toBe(false);
  });

  it('salts: two hashes of one password differ and both verify', async () => {
    const [a, b] = await Promise.all([cheap.hash('same password'), cheap.hash('same password')]);
    expect(a).not.toBe(b);
    expect(await cheap.verify('same password', a)).toBe(true);
    expect(await cheap.verify('same password', b)).toBe(true);
  });

  it('verifies hashes written under other parameters (they travel in the string)', async () => {
    const old = await cheap.hash('upgrade me');
    expect(old.startsWith('scrypt$1024$8$1$')).toBe(true);
    expect(await hasher.verify('upgrade me', old)).toBe(true);
    expect(await hasher.verify('upgrade you', old)).toBe(false);
  });

  it('is false, never an exception, for a malformed stored string', async () => {
    const good = await cheap.hash('pw123456');
    const [, , , , salt, key] = good.split('$');
    const malformed = [
      '',
      'pw123456',
      'bcrypt$1024$8$1$' + salt + '$' + key,
      'scrypt$1024$8$1$' + salt,
      good + '$extra',
      `scrypt$1000$8$1$${salt}$${key}`, // N not a power of two
      `scrypt$${2 ** 24}$8$1$${salt}$${key}`, // would allocate gigabytes
      `scrypt$1024$0$1$${salt}$${key}`,
      `scrypt$1024$8$99$${salt}$${key}`,
      `scrypt$1024$8$1$${salt}$!!!`,
      `scrypt$1024$8$1$$${key}`,
      `scrypt$1024$8$1$${salt}$AAAA`, // a key too short to mean anything
    ];
    for (const stored of malformed) {
      await expect(cheap.verify('pw123456', stored), stored).resolves.toBe(false);
    }
    expect(await cheap.verify('pw123456', good)).toBe(true);
  });
});
