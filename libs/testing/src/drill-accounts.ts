// Setting up a drill or a chaos run over HTTP: accounts and posts, retried on a 503 (the mesh
// may still be booting replicas on a busy machine). Anything but success after the retries
// throws, with the answer in the message.
import { randomUUID } from 'node:crypto';
import type { DrillAccount } from './drill-load.js';
import { http } from './http.js';

// A busy shared machine keeps identity (password hashing) saturated for seconds: patience, not failure.
const ATTEMPTS = 20;
const PAUSE_MS = 500;
const PASSWORD = 'chaos password';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A new account. Signup is not keyed: a 503 after its deadline may still have landed, so a 409 on a retry logs in. */
export async function signup(url: string, username: string): Promise<DrillAccount> {
  const body = { username, password: PASSWORD };
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const res = await http(url, 'POST', '/auth/signup', { body });
    if (res.status === 201) return res.body as DrillAccount;
    if (res.status === 409 && attempt > 1) {
      const login = await http(url, 'POST', '/auth/login', { body });
      if (login.status === 200) return login.body as DrillAccount;
      throw new Error(`login ${username} after a retried signup answered ${login.status}`);
    }
    if (res.status !== 503) throw new Error(`signup ${username} answered ${res.status} ${JSON.stringify(res.body)}`);
    await sleep(PAUSE_MS);
  }
  throw new Error(`signup ${username} still 503 after ${ATTEMPTS} attempts`);
}

/** `n` posts by `who` ("<text> <i>"), each under its own key so a retried 503 writes it once; their ids. */
export async function createPosts(url: string, who: DrillAccount, n: number, text: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const key = randomUUID();
    for (let attempt = 1; ; attempt++) {
      const res = await http(url, 'POST', '/posts', {
        token: who.token,
        body: { text: `${text} ${i}` },
        headers: { 'idempotency-key': key },
      });
      if (res.status === 201) {
        ids.push((res.body as { id: string }).id);
        break;
      }
      if (res.status !== 503 || attempt === ATTEMPTS) {
        throw new Error(`POST /posts answered ${res.status} ${JSON.stringify(res.body)}`);
      }
      await sleep(PAUSE_MS);
    }
  }
  return ids;
}

/** `who` follows `username`, retried on a 503 like the rest of the setup (a follow is idempotent). */
export async function follow(url: string, who: DrillAccount, username: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const res = await http(url, 'PUT', `/users/${username}/follow`, { token: who.token });
    if (res.status === 204) return;
    if (res.status !== 503 || attempt === ATTEMPTS) {
      throw new Error(`PUT /users/${username}/follow answered ${res.status} ${JSON.stringify(res.body)}`);
    }
    await sleep(PAUSE_MS);
  }
}
