// Accounts and sessions: register, login, session, logout, cookie attributes,
// e-mail/password validation, isolation between users.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, stopClean, api, register, login, csrfToken, sessionCookie, uniqueEmail, randomPassword,
  assertError, assertJsonReply, ISO_UTC, TOKEN_RE, COOKIE_NAME,
} from './lib/server.mjs';

function assertUser(u, email) {
  assert.ok(u && typeof u === 'object', 'user object');
  assert.equal(typeof u.id, 'string', `user.id should be a string: ${JSON.stringify(u)}`);
  assert.ok(u.id.length > 0);
  assert.equal(u.email, email);
  assert.match(u.createdAt, ISO_UTC, `createdAt must be ISO 8601 UTC: ${u.createdAt}`);
  const created = Date.parse(u.createdAt);
  assert.ok(Math.abs(created - Date.now()) < 10 * 60 * 1000, `createdAt ${u.createdAt} should be close to now`);
}

function assertNoSecretFields(obj, password) {
  const text = JSON.stringify(obj);
  assert.ok(!text.includes(password), 'reply must not echo the password');
  const walk = (o) => {
    if (o && typeof o === 'object') {
      for (const [k, v] of Object.entries(o)) {
        assert.doesNotMatch(k, /pass|hash|salt/i, `reply must not carry field "${k}"`);
        walk(v);
      }
    }
  };
  walk(obj);
}

describe('auth (http public URL)', () => {
  let srv;
  before(async () => { srv = await startServer(); });
  after(async () => { await stopClean(srv); });

  test('register returns 201 with user, token, expiresAt and an HttpOnly SameSite=Lax session cookie', async () => {
    const email = uniqueEmail('reg');
    const password = randomPassword();
    const t0 = Date.now();
    const res = await api(srv, 'POST', '/api/auth/register', { body: { email, password } });
    assert.equal(res.status, 201, res.text);
    assertJsonReply(res);
    assertUser(res.json.user, email);
    assert.match(res.json.token, TOKEN_RE, 'token must be 43 chars of base64url (256 bits)');
    assert.match(res.json.expiresAt, ISO_UTC);
    const expires = Date.parse(res.json.expiresAt);
    assert.ok(expires > t0 + 60 * 1000, `expiresAt ${res.json.expiresAt} must be in the future`);
    assertNoSecretFields(res.json, password);

    const c = sessionCookie(res);
    assert.ok(c, `Set-Cookie ${COOKIE_NAME} missing; got ${JSON.stringify(res.headers.getSetCookie())}`);
    assert.equal(c.value, res.json.token, 'cookie carries the same session token');
    assert.equal(c.attributes.path, '/');
    assert.equal(c.attributes.httponly, true, `cookie must be HttpOnly: ${c.line}`);
    assert.equal(String(c.attributes.samesite).toLowerCase(), 'lax', `cookie must be SameSite=Lax: ${c.line}`);
    assert.equal(c.attributes.secure, undefined, `no Secure attribute over an http public URL: ${c.line}`);
    assert.match(String(c.attributes['max-age']), /^\d+$/, `Max-Age must be a positive integer: ${c.line}`);
    const maxAge = Number(c.attributes['max-age']);
    assert.ok(maxAge > 0);
    // The cookie should live as long as the session it carries.
    const cookieExpiry = t0 + maxAge * 1000;
    assert.ok(Math.abs(cookieExpiry - expires) < 5 * 60 * 1000,
      `cookie Max-Age=${maxAge} disagrees with expiresAt ${res.json.expiresAt}`);
  });

  test('the register token authenticates by Bearer and by cookie', async () => {
    const u = await register(srv, undefined, undefined, { csrf: false });
    const byBearer = await api(srv, 'GET', '/api/auth/session', { token: u.token });
    assert.equal(byBearer.status, 200, byBearer.text);
    assertJsonReply(byBearer);
    assert.deepEqual(byBearer.json.user, u.user);
    assert.match(byBearer.json.expiresAt, ISO_UTC);
    assert.equal(byBearer.json.expiresAt, u.res.json.expiresAt, 'session expiresAt should match the one given at register');

    const byCookie = await api(srv, 'GET', '/api/auth/session', { cookie: u.cookie });
    assert.equal(byCookie.status, 200, byCookie.text);
    assert.deepEqual(byCookie.json.user, u.user);
  });

  test('e-mail is normalised to lower case; login and duplicate checks are case-insensitive', async () => {
    const local = `MiXeD-${Date.now()}`;
    const email = `${local}@Example.COM`;
    const password = randomPassword();
    const r = await api(srv, 'POST', '/api/auth/register', { body: { email, password } });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.user.email, email.toLowerCase());

    const l = await api(srv, 'POST', '/api/auth/login', { body: { email: email.toUpperCase(), password } });
    assert.equal(l.status, 200, l.text);
    assert.equal(l.json.user.id, r.json.user.id);
    assert.equal(l.json.user.email, email.toLowerCase());

    const dup = await api(srv, 'POST', '/api/auth/register', { body: { email: email.toLowerCase(), password: randomPassword() } });
    assertError(dup, 409, 'CONFLICT');
  });

  test('registering the same e-mail twice gives 409 CONFLICT and the first password keeps working', async () => {
    const u = await register(srv, undefined, undefined, { csrf: false });
    const again = await api(srv, 'POST', '/api/auth/register', { body: { email: u.email, password: randomPassword() } });
    assertError(again, 409, 'CONFLICT');
    assert.ok(!again.headers.getSetCookie().some((c) => c.startsWith(`${COOKIE_NAME}=`) && !/max-age=0/i.test(c)),
      'a failed register must not hand out a session');
    await login(srv, u.email, u.password);
  });

  test('e-mail addresses that do not look like addresses are rejected with 400 naming email', async () => {
    for (const email of ['', 'plainaddress', '@example.com', 'user@', '   ']) {
      const r = await api(srv, 'POST', '/api/auth/register', { body: { email, password: randomPassword() } });
      assertError(r, 400, 'VALIDATION_ERROR', /email/i);
    }
  });

  test('password shorter than 8 characters is rejected with 400 naming password', async () => {
    for (const password of ['', 'a', 'short77', '1234567']) {
      const r = await api(srv, 'POST', '/api/auth/register', { body: { email: uniqueEmail('short'), password } });
      assertError(r, 400, 'VALIDATION_ERROR', /password/i);
    }
    // 7 characters, 14 bytes: the minimum counts characters, not bytes.
    const r = await api(srv, 'POST', '/api/auth/register', { body: { email: uniqueEmail('short'), password: 'ééééééé' } });
    assertError(r, 400, 'VALIDATION_ERROR', /password/i);
  });

  test('password length boundaries: 8 characters and 256 bytes accepted, 257 bytes rejected', async () => {
    const eight = await api(srv, 'POST', '/api/auth/register', { body: { email: uniqueEmail('b8'), password: 'abcdefgh' } });
    assert.equal(eight.status, 201, `8-character password: ${eight.text}`);

    const p256 = 'x'.repeat(256);
    const r256 = await api(srv, 'POST', '/api/auth/register', { body: { email: uniqueEmail('b256'), password: p256 } });
    assert.equal(r256.status, 201, `256-byte password: ${r256.text}`);

    const r257 = await api(srv, 'POST', '/api/auth/register', { body: { email: uniqueEmail('b257'), password: 'x'.repeat(257) } });
    assertError(r257, 400, 'VALIDATION_ERROR', /password/i);

    // 128 x "é" = 256 bytes (OK); one more ASCII byte = 257 bytes (too long).
    const r257u = await api(srv, 'POST', '/api/auth/register', { body: { email: uniqueEmail('b257u'), password: 'é'.repeat(128) + 'a' } });
    assertError(r257u, 400, 'VALIDATION_ERROR', /password/i);
  });

  test('a password with non-ASCII characters, quotes and backslashes round-trips', async () => {
    const password = 'Pässwörd 密码 🔑 "quoted" \\back';
    const u = await register(srv, undefined, password, { csrf: false });
    await login(srv, u.email, password);
    const wrong = await api(srv, 'POST', '/api/auth/login', { body: { email: u.email, password: password.replace('密', '蜜') } });
    assertError(wrong, 401, 'UNAUTHORIZED');
  });

  test('login returns 200 with the same user, a new token and a session cookie', async () => {
    const u = await register(srv, undefined, undefined, { csrf: false });
    const res = await api(srv, 'POST', '/api/auth/login', { body: { email: u.email, password: u.password } });
    assert.equal(res.status, 200, res.text);
    assertJsonReply(res);
    assert.deepEqual(res.json.user, u.user);
    assert.match(res.json.token, TOKEN_RE);
    assert.notEqual(res.json.token, u.token, 'each login creates a new session');
    assert.match(res.json.expiresAt, ISO_UTC);
    assertNoSecretFields(res.json, u.password);
    const c = sessionCookie(res);
    assert.ok(c, 'login must set the session cookie');
    assert.equal(c.value, res.json.token);
    assert.equal(c.attributes.httponly, true);
    assert.equal(String(c.attributes.samesite).toLowerCase(), 'lax');

    const s = await api(srv, 'GET', '/api/auth/session', { token: res.json.token });
    assert.equal(s.status, 200, s.text);
    assert.equal(s.json.user.id, u.user.id);
    // The register session is still valid too.
    const s0 = await api(srv, 'GET', '/api/auth/session', { token: u.token });
    assert.equal(s0.status, 200, s0.text);
  });

  test('wrong password and unknown e-mail give the identical 401, in comparable time', async () => {
    const u = await register(srv, undefined, undefined, { csrf: false });
    const wrongTimes = [];
    const unknownTimes = [];
    let wrongBody;
    let unknownBody;
    for (let i = 0; i < 3; i++) {
      let t = performance.now();
      const w = await api(srv, 'POST', '/api/auth/login', { body: { email: u.email, password: u.password + 'x' } });
      wrongTimes.push(performance.now() - t);
      assertError(w, 401, 'UNAUTHORIZED');
      assert.equal(w.headers.getSetCookie().filter((c) => c.startsWith(`${COOKIE_NAME}=`) && !/max-age=0/i.test(c)).length, 0,
        'failed login must not set a session cookie');
      wrongBody = w.json;

      t = performance.now();
      const n = await api(srv, 'POST', '/api/auth/login', { body: { email: uniqueEmail('nobody'), password: u.password } });
      unknownTimes.push(performance.now() - t);
      assertError(n, 401, 'UNAUTHORIZED');
      unknownBody = n.json;
    }
    assert.deepEqual(unknownBody, wrongBody, 'unknown e-mail and wrong password must be indistinguishable');
    const med = (a) => [...a].sort((x, y) => x - y)[1];
    const w = med(wrongTimes);
    const n = med(unknownTimes);
    assert.ok(n >= 0.3 * w,
      `unknown e-mail answered in ${n.toFixed(1)}ms vs wrong password ${w.toFixed(1)}ms: the difference reveals which accounts exist`);
  });

  test('login with a missing field is a 400 naming the field, not a 401', async () => {
    const r1 = await api(srv, 'POST', '/api/auth/login', { body: { email: uniqueEmail() } });
    assertError(r1, 400, 'VALIDATION_ERROR', /password/i);
    const r2 = await api(srv, 'POST', '/api/auth/login', { body: { password: randomPassword() } });
    assertError(r2, 400, 'VALIDATION_ERROR', /email/i);
  });

  test('session endpoints reject missing, garbage and malformed credentials with 401', async () => {
    const u = await register(srv, undefined, undefined, { csrf: false });
    const variants = [
      {},
      { headers: { authorization: 'Bearer ' } },
      { headers: { authorization: 'Bearer garbage' } },
      { headers: { authorization: `Bearer ${'A'.repeat(43)}` } },
      { headers: { authorization: `Bearer ${u.token.slice(0, -1)}` } },
      { headers: { authorization: `Bearer ${u.token}x` } },
      { headers: { authorization: `Basic ${Buffer.from(`${u.email}:${u.password}`).toString('base64')}` } },
      { headers: { authorization: u.token } },
      { cookie: `${COOKIE_NAME}=garbage` },
      { cookie: `${COOKIE_NAME}=` },
      { cookie: `other_cookie=${u.token}` },
    ];
    for (const path of ['/api/auth/session', '/api/user-integrations', '/api/auth/csrf-token']) {
      for (const v of variants) {
        const r = await api(srv, 'GET', path, v);
        assertError(r, 401, 'UNAUTHORIZED');
        assert.ok(!r.text.includes(u.token), 'error must not echo tokens');
      }
    }
  });

  test('the session cookie is found among other cookies', async () => {
    const u = await register(srv, undefined, undefined, { csrf: false });
    const r = await api(srv, 'GET', '/api/auth/session', { cookie: `theme=dark; ${u.cookie}; lang=en` });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.user.id, u.user.id);
  });

  test('a new user has no integrations', async () => {
    const u = await register(srv, undefined, undefined, { csrf: false });
    const r = await api(srv, 'GET', '/api/user-integrations', { token: u.token });
    assert.equal(r.status, 200, r.text);
    assertJsonReply(r);
    assert.deepEqual(r.json, { integrations: [] });
  });

  test('logout ends that session everywhere, clears the cookie, and leaves other sessions alone', async () => {
    const u = await register(srv);
    const other = await login(srv, u.email, u.password);

    const out = await api(srv, 'POST', '/api/auth/logout', { token: u.token, csrf: u.csrf });
    assert.equal(out.status, 200, out.text);
    assertJsonReply(out);
    assert.deepEqual(out.json, { success: true });
    const c = sessionCookie(out);
    assert.ok(c, `logout must clear the session cookie; Set-Cookie: ${JSON.stringify(out.headers.getSetCookie())}`);
    assert.equal(c.attributes['max-age'], '0', `cleared cookie needs Max-Age=0: ${c.line}`);
    assert.equal(c.attributes.path, '/');
    assert.notEqual(c.value, u.token, 'cleared cookie must not carry the token');

    for (const [m, p] of [['GET', '/api/auth/session'], ['GET', '/api/user-integrations'], ['GET', '/api/auth/csrf-token']]) {
      assertError(await api(srv, m, p, { token: u.token }), 401, 'UNAUTHORIZED');
      assertError(await api(srv, m, p, { cookie: u.cookie }), 401, 'UNAUTHORIZED');
    }
    // Logging out again with the dead session is a 401, not a success.
    assertError(await api(srv, 'POST', '/api/auth/logout', { token: u.token, csrf: u.csrf }), 401, 'UNAUTHORIZED');

    const s = await api(srv, 'GET', '/api/auth/session', { token: other.token });
    assert.equal(s.status, 200, s.text);
    assert.equal(s.json.user.id, u.user.id);
    // And the user can still log in.
    await login(srv, u.email, u.password);
  });

  test('logout works for a cookie-authenticated browser session', async () => {
    const u = await register(srv, undefined, undefined, { csrf: false });
    const csrf = (await api(srv, 'GET', '/api/auth/csrf-token', { cookie: u.cookie })).json.csrfToken;
    assert.equal(typeof csrf, 'string');
    const out = await api(srv, 'POST', '/api/auth/logout', { cookie: u.cookie, csrf });
    assert.equal(out.status, 200, out.text);
    assert.deepEqual(out.json, { success: true });
    assertError(await api(srv, 'GET', '/api/auth/session', { cookie: u.cookie }), 401, 'UNAUTHORIZED');
    assertError(await api(srv, 'GET', '/api/auth/session', { token: u.token }), 401, 'UNAUTHORIZED');
  });

  test('users are isolated: B never sees A, and B logging out does not affect A', async () => {
    const a = await register(srv);
    const b = await register(srv);
    assert.notEqual(a.user.id, b.user.id);
    assert.notEqual(a.token, b.token);

    const sa = await api(srv, 'GET', '/api/auth/session', { token: a.token });
    const sb = await api(srv, 'GET', '/api/auth/session', { token: b.token });
    assert.equal(sa.json.user.id, a.user.id);
    assert.equal(sa.json.user.email, a.email);
    assert.equal(sb.json.user.id, b.user.id);
    assert.equal(sb.json.user.email, b.email);
    assert.ok(!sb.text.includes(a.email), "B's session reply must not mention A");

    const out = await api(srv, 'POST', '/api/auth/logout', { token: b.token, csrf: b.csrf });
    assert.equal(out.status, 200, out.text);
    assertError(await api(srv, 'GET', '/api/auth/session', { token: b.token }), 401, 'UNAUTHORIZED');
    const again = await api(srv, 'GET', '/api/auth/session', { token: a.token });
    assert.equal(again.status, 200, again.text);
    assert.equal(again.json.user.id, a.user.id);
    assert.equal(await csrfToken(srv, a.token), a.csrf, "A's CSRF token is unchanged");
  });
});

describe('auth (https public URL)', () => {
  let srv;
  before(async () => { srv = await startServer({ env: { PASSAGENT_PUBLIC_URL: 'https://passagent.example.test' } }); });
  after(async () => { await stopClean(srv); });

  test('the session cookie is Secure when the public URL is https', async () => {
    const u = await register(srv, undefined, undefined, { csrf: false });
    const c = sessionCookie(u.res);
    assert.ok(c, 'register must set the session cookie');
    assert.equal(c.attributes.secure, true, `cookie must be Secure behind an https public URL: ${c.line}`);
    assert.equal(c.attributes.httponly, true);
    const l = await login(srv, u.email, u.password);
    const lc = sessionCookie(l.res);
    assert.equal(lc.attributes.secure, true, `login cookie must be Secure: ${lc.line}`);
  });
});
