// Rate limits: default auth class (10 per 15 minutes per client address) and a
// configured general class (per user).

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, stopClean, api, register, uniqueEmail, randomPassword, assertError,
} from './lib/server.mjs';

function assertRateLimited(r, maxSeconds) {
  assertError(r, 429, 'RATE_LIMITED');
  const ra = r.headers.get('retry-after');
  assert.ok(ra !== null, '429 needs a Retry-After header');
  assert.match(ra, /^\d+$/, `Retry-After must be integer seconds, got "${ra}"`);
  const n = Number(ra);
  assert.ok(n > 0, `Retry-After must be > 0, got ${n}`);
  assert.ok(n <= maxSeconds, `Retry-After ${n}s exceeds the window of ${maxSeconds}s`);
}

describe('rate limits: defaults', () => {
  let srv;
  before(async () => { srv = await startServer({ env: { PASSAGENT_RATE_LIMITS: 'default' } }); });
  after(async () => { await stopClean(srv); });

  test('the 11th auth request (register + logins) within 15 minutes from one address is 429', async () => {
    const email = uniqueEmail('rl');
    const password = randomPassword();
    const reg = await api(srv, 'POST', '/api/auth/register', { body: { email, password } });
    assert.equal(reg.status, 201, reg.text);
    for (let i = 2; i <= 10; i++) {
      const r = await api(srv, 'POST', '/api/auth/login', { body: { email, password } });
      assert.equal(r.status, 200, `auth request #${i} should still be allowed: ${r.status} ${r.text}`);
    }
    const eleventh = await api(srv, 'POST', '/api/auth/login', { body: { email, password } });
    assertRateLimited(eleventh, 15 * 60);
    assert.equal(eleventh.json.token, undefined);
    assert.equal(eleventh.headers.getSetCookie().filter((c) => /^passagent_session=[^;]/.test(c)).length, 0,
      'a rate-limited login must not start a session');

    // Register is in the same class.
    const reg2 = await api(srv, 'POST', '/api/auth/register', { body: { email: uniqueEmail('rl2'), password } });
    assertRateLimited(reg2, 15 * 60);

    // A spoofable header must not reset the budget.
    const spoof = await api(srv, 'POST', '/api/auth/login', {
      body: { email, password },
      headers: { 'x-forwarded-for': '203.0.113.77', 'x-real-ip': '203.0.113.77' },
    });
    assertRateLimited(spoof, 15 * 60);

    // Only the auth class is exhausted: the existing session keeps working.
    const s = await api(srv, 'GET', '/api/auth/session', { token: reg.json.token });
    assert.equal(s.status, 200, s.text);
    const h = await api(srv, 'GET', '/healthz');
    assert.equal(h.status, 200);
  });
});

describe('rate limits: general=5/60 (per user)', () => {
  let srv;
  before(async () => { srv = await startServer({ env: { PASSAGENT_RATE_LIMITS: 'general=5/60' } }); });
  after(async () => { await stopClean(srv); });

  test('the 6th GET /api/user-integrations in a minute is 429 for that user only', async () => {
    const a = await register(srv, undefined, undefined, { csrf: false });
    const b = await register(srv, undefined, undefined, { csrf: false });
    for (let i = 1; i <= 5; i++) {
      const r = await api(srv, 'GET', '/api/user-integrations', { token: a.token });
      assert.equal(r.status, 200, `request #${i} within the limit: ${r.status} ${r.text}`);
    }
    const sixth = await api(srv, 'GET', '/api/user-integrations', { token: a.token });
    assertRateLimited(sixth, 60);

    // Per user: B is unaffected, even from the same address.
    const rb = await api(srv, 'GET', '/api/user-integrations', { token: b.token });
    assert.equal(rb.status, 200, `another user must still be served: ${rb.status} ${rb.text}`);
    assert.deepEqual(rb.json, { integrations: [] });

    // A's limit is per user, not per session: a fresh login does not reset it.
    const relog = await api(srv, 'POST', '/api/auth/login', { body: { email: a.email, password: a.password } });
    assert.equal(relog.status, 200, `auth class keeps its default and is not exhausted: ${relog.text}`);
    const again = await api(srv, 'GET', '/api/user-integrations', { token: relog.json.token });
    assertRateLimited(again, 60);
  });
});
