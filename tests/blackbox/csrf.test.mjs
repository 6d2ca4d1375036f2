// CSRF protection: token issuance and enforcement on state-changing requests.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, stopClean, api, register, login, csrfToken, assertError, assertJsonReply,
} from './lib/server.mjs';

describe('csrf', () => {
  let srv;
  before(async () => { srv = await startServer(); });
  after(async () => { await stopClean(srv); });

  async function stillLoggedIn(u) {
    const s = await api(srv, 'GET', '/api/auth/session', { token: u.token });
    assert.equal(s.status, 200, `session must survive a rejected logout: ${s.text}`);
  }

  test('csrf-token requires a session', async () => {
    assertError(await api(srv, 'GET', '/api/auth/csrf-token'), 401, 'UNAUTHORIZED');
  });

  test('csrf-token is stable within a session and differs between sessions', async () => {
    const u = await register(srv, undefined, undefined, { csrf: false });
    const r = await api(srv, 'GET', '/api/auth/csrf-token', { token: u.token });
    assert.equal(r.status, 200, r.text);
    assertJsonReply(r);
    assert.deepEqual(Object.keys(r.json), ['csrfToken']);
    const t1 = r.json.csrfToken;
    assert.equal(typeof t1, 'string');
    assert.ok(t1.length >= 16, `csrf token too short to be unguessable: ${t1}`);
    assert.equal(await csrfToken(srv, u.token), t1, 'second call in the same session');
    // Same session through the cookie gives the same token.
    const viaCookie = await api(srv, 'GET', '/api/auth/csrf-token', { cookie: u.cookie });
    assert.equal(viaCookie.json.csrfToken, t1);

    const sameUserOtherSession = await login(srv, u.email, u.password);
    const t2 = await csrfToken(srv, sameUserOtherSession.token);
    assert.notEqual(t2, t1, 'another session of the same user gets another token');

    const v = await register(srv, undefined, undefined, { csrf: false });
    const t3 = await csrfToken(srv, v.token);
    assert.notEqual(t3, t1);
    assert.notEqual(t3, t2);
    assert.notEqual(t1, u.token, 'the csrf token must not be the session token');
  });

  test('logout without x-csrf-token is 403 FORBIDDEN and the session survives', async () => {
    const u = await register(srv);
    assertError(await api(srv, 'POST', '/api/auth/logout', { token: u.token }), 403, 'FORBIDDEN');
    await stillLoggedIn(u);
  });

  test('logout with an empty or wrong x-csrf-token is 403 and the session survives', async () => {
    const u = await register(srv);
    const swapped = [...u.csrf].map((ch) => (ch === ch.toUpperCase() ? ch.toLowerCase() : ch.toUpperCase())).join('');
    for (const csrf of ['', 'wrong', u.csrf.slice(0, -1), u.csrf + 'x', swapped, u.token]) {
      if (csrf === u.csrf) continue;
      const r = await api(srv, 'POST', '/api/auth/logout', { token: u.token, csrf });
      assertError(r, 403, 'FORBIDDEN');
    }
    await stillLoggedIn(u);
  });

  test('a cookie-authenticated POST (the classic CSRF case) without the header is refused', async () => {
    const u = await register(srv);
    const r = await api(srv, 'POST', '/api/auth/logout', { cookie: u.cookie });
    assertError(r, 403, 'FORBIDDEN');
    const s = await api(srv, 'GET', '/api/auth/session', { cookie: u.cookie });
    assert.equal(s.status, 200, s.text);
  });

  test("a CSRF token from another user's session is refused", async () => {
    const a = await register(srv);
    const b = await register(srv);
    assertError(await api(srv, 'POST', '/api/auth/logout', { token: a.token, csrf: b.csrf }), 403, 'FORBIDDEN');
    assertError(await api(srv, 'POST', '/api/auth/logout', { cookie: a.cookie, csrf: b.csrf }), 403, 'FORBIDDEN');
    await stillLoggedIn(a);
    await stillLoggedIn(b);
  });

  test("a CSRF token from the same user's other session is refused", async () => {
    const a = await register(srv);
    const second = await login(srv, a.email, a.password);
    const csrf2 = await csrfToken(srv, second.token);
    assertError(await api(srv, 'POST', '/api/auth/logout', { token: a.token, csrf: csrf2 }), 403, 'FORBIDDEN');
    await stillLoggedIn(a);
    // The right pairing works.
    const ok = await api(srv, 'POST', '/api/auth/logout', { token: second.token, csrf: csrf2 });
    assert.equal(ok.status, 200, ok.text);
    await stillLoggedIn(a);
  });

  test('authentication is checked before CSRF: no session gives 401 even with a CSRF header', async () => {
    const a = await register(srv);
    assertError(await api(srv, 'POST', '/api/auth/logout', { csrf: a.csrf }), 401, 'UNAUTHORIZED');
    assertError(await api(srv, 'POST', '/api/auth/logout', {}), 401, 'UNAUTHORIZED');
    assertError(await api(srv, 'POST', '/api/auth/logout', { token: 'garbage', csrf: a.csrf }), 401, 'UNAUTHORIZED');
  });

  test('a CSRF token dies with its session', async () => {
    const a = await register(srv);
    const out = await api(srv, 'POST', '/api/auth/logout', { token: a.token, csrf: a.csrf });
    assert.equal(out.status, 200, out.text);
    // New session: the old CSRF token is not valid for it.
    const again = await login(srv, a.email, a.password);
    const fresh = await csrfToken(srv, again.token);
    assert.notEqual(fresh, a.csrf);
    assertError(await api(srv, 'POST', '/api/auth/logout', { token: again.token, csrf: a.csrf }), 403, 'FORBIDDEN');
  });

  test('register and login need no CSRF token', async () => {
    // register() and login() send no x-csrf-token and assert 201/200.
    const u = await register(srv, undefined, undefined, { csrf: false });
    await login(srv, u.email, u.password);
  });
});
