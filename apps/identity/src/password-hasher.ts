// Password hashing with scrypt from node:crypto: the async form runs on the libuv pool, so a
// ~200 ms hash never blocks the event loop that answers other requests.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  N: number;
  /** Block size. */
  r: number;
  /** Parallelism (Node computes the p lanes one after another). */
  p: number;
}

/** OWASP's scrypt option for 32 MiB per hash: N=2^15, r=8, p=3. */
export const DefaultScryptParams: ScryptParams = { N: 2 ** 15, r: 8, p: 3 };

const SALT_BYTES = 16;
const KEY_BYTES = 32;
const PREFIX = 'scrypt';

// Bounds on what a stored string may ask for: a corrupted or planted row must not make one
// verification allocate gigabytes or spin for minutes.
const MAX_N = 2 ** 20;
const MAX_R = 32;
const MAX_P = 16;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function scryptAsync(password: string, salt: Buffer, keyLen: number, o: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, keyLen, o, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

// scrypt needs about 128·N·r bytes; Node's default `maxmem` (32 MiB) is exactly that at
// N=2^15, r=8, and OpenSSL asks for a little more, so the default would refuse.
function optionsFor(p: ScryptParams): ScryptOptions {
  return { N: p.N, r: p.r, p: p.p, maxmem: 2 * 128 * p.N * p.r };
}

interface ParsedHash {
  params: ScryptParams;
  salt: Buffer;
  key: Buffer;
}

/** `scrypt$<N>$<r>$<p>$<saltB64>$<hashB64>`, or undefined when the string is not one we write. */
function parse(stored: string): ParsedHash | undefined {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== PREFIX) return undefined;
  const [, n, r, p, salt, key] = parts as [string, string, string, string, string, string];
  if (![n, r, p].every((v) => /^[1-9][0-9]{0,7}$/.test(v))) return undefined;
  const params = { N: Number(n), r: Number(r), p: Number(p) };
  const powerOfTwo = (params.N & (params.N - 1)) === 0;
  if (params.N < 2 || params.N > MAX_N || !powerOfTwo || params.r > MAX_R || params.p > MAX_P) return undefined;
  if (!BASE64.test(salt) || !BASE64.test(key)) return undefined;
  const parsed = { params, salt: Buffer.from(salt, 'base64'), key: Buffer.from(key, 'base64') };
  if (parsed.salt.length < 8 || parsed.key.length < 16) return undefined;
  return parsed;
}

export class PasswordHasher {
  constructor(private readonly params: ScryptParams = DefaultScryptParams) {}

  /** A fresh salt each time, so two hashes of one password differ. */
  async hash(password: string): Promise<string> {
    const salt = randomBytes(SALT_BYTES);
    const key = await scryptAsync(password, salt, KEY_BYTES, optionsFor(this.params));
    const { N, r, p } = this.params;
    return [PREFIX, N, r, p, salt.toString('base64'), key.toString('base64')].join('$');
  }

  /**
   * True only when `password` matches. The stored string carries its own parameters, so hashes
   * written under older parameters keep verifying after the defaults change. A malformed
   * string is false, never an exception.
   */
  async verify(password: string, stored: string): Promise<boolean> {
    const parsed = parse(stored);
    if (!parsed) return false;
    const key = await scryptAsync(password, parsed.salt, parsed.key.length, optionsFor(parsed.params));
    return timingSafeEqual(key, parsed.key);
  }
}
