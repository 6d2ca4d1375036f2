// Concurrency sanity: parallel registrations and logins.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, stopClean, api, uniqueEmail, randomPassword, assertError, sleep,
} from './lib/server.mjs';

// A well-behaved client: when sign-ins are queued out (503 SERVER_BUSY) it
// waits Retry-After and tries again. Any other answer is final.
async function authPost(srv, p, body) {
  for (let attempt = 0; ; attempt++) {
    const r = await api(srv, 'POST', p, { body });
    if (r.status !== 503 || r.json?.code !== 'SERVER_BUSY' || attempt >= 50) return r;
    const wait = Number(r.headers.get('retry-after'));
    assert.ok(wait >= 1, 'SERVER_BUSY carries Retry-After');
    await sleep(wait * 100 * (1 + Math.random())); // a tenth, jittered: keep the test short
  }
}

describe('concurrency', () => {
  let srv;
  before(async () => { srv = await startServer(); });
  after(async () => { await stopClean(srv); });

  test('20 parallel registrations of distinct users all succeed with distinct users and sessions', async () => {
    const creds = Array.from({ length: 20 }, () => ({ email: uniqueEmail('par'), password: randomPassword() }));
    const replies = await Promise.all(creds.map((body) => authPost(srv, '/api/auth/register', body)));
    replies.forEach((r, i) => assert.equal(r.status, 201, `registration #${i}: ${r.status} ${r.text}`));
    assert.equal(new Set(replies.map((r) => r.json.user.id)).size, 20, 'user ids must be distinct');
    assert.equal(new Set(replies.map((r) => r.json.token)).size, 20, 'tokens must be distinct');
    const sessions = await Promise.all(replies.map((r) => api(srv, 'GET', '/api/auth/session', { token: r.json.token })));
    sessions.forEach((s, i) => {
      assert.equal(s.status, 200, s.text);
      assert.equal(s.json.user.email, creds[i].email, 'each token belongs to its own user');
      assert.equal(s.json.user.id, replies[i].json.user.id);
    });
  });

  test('10 parallel registrations of one e-mail: exactly one 201, the rest 409, and the winner owns the account', async () => {
    const email = uniqueEmail('race');
    const passwords = Array.from({ length: 10 }, () => randomPassword());
    const replies = await Promise.all(passwords.map((password) => authPost(srv, '/api/auth/register', { email, password })));
    const created = replies.map((r, i) => [r, i]).filter(([r]) => r.status === 201);
    assert.equal(created.length, 1, `exactly one registration may win, got statuses ${replies.map((r) => r.status)}`);
    for (const r of replies) {
      if (r.status !== 201) assertError(r, 409, 'CONFLICT');
    }
    const winner = created[0][1];
    const ok = await api(srv, 'POST', '/api/auth/login', { body: { email, password: passwords[winner] } });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.user.id, created[0][0].json.user.id);
    const loser = passwords[(winner + 1) % passwords.length];
    assertError(await api(srv, 'POST', '/api/auth/login', { body: { email, password: loser } }), 401, 'UNAUTHORIZED');
  });

  test('parallel logins of one user each get their own session, and the server stays responsive', async () => {
    const email = uniqueEmail('plog');
    const password = randomPassword();
    const reg = await api(srv, 'POST', '/api/auth/register', { body: { email, password } });
    assert.equal(reg.status, 201, reg.text);
    const [logins, health] = await Promise.all([
      Promise.all(Array.from({ length: 10 }, () => authPost(srv, '/api/auth/login', { email, password }))),
      api(srv, 'GET', '/healthz'),
    ]);
    assert.equal(health.status, 200);
    logins.forEach((r) => assert.equal(r.status, 200, r.text));
    const tokens = new Set(logins.map((r) => r.json.token));
    assert.equal(tokens.size, 10, 'every login gets a distinct token');
    const csrfs = await Promise.all(logins.map((r) => api(srv, 'GET', '/api/auth/csrf-token', { token: r.json.token })));
    assert.equal(new Set(csrfs.map((r) => r.json.csrfToken)).size, 10, 'every session gets its own CSRF token');
  });
});
