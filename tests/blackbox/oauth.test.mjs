// OAuth connect flows against real peers: oidc-provider playing Google
// (gmail, google) and Microsoft (outlook) driven through its login and
// consent pages, and the GitHub-style server. State security, list, errors.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import {
  startOAuthWorld, authorize, callback, connect, consent, listIntegrations, register, api,
  CLIENT, assertNoSecrets,
} from './lib/oauth.mjs';
import { startServer, stopClean, assertError, ISO_UTC, dbExec } from './lib/server.mjs';

let w;
const states = [];
before(async () => { w = await startOAuthWorld(); });
after(async () => {
  if (w) {
    const n = await assertNoSecrets(w, states);
    assert.ok(n >= 10, `only ${n} secrets were collected to search for`);
    await stopClean(w.srv);
    await w.close();
  }
});

const cbPrefix = (p) => `${w.srv.url}/api/integrations/${p}/callback`;
const remember = (url) => { const s = new URL(url).searchParams.get('state'); if (s) states.push(s); };

describe('connecting each provider', () => {
  for (const provider of ['gmail', 'google', 'outlook', 'github']) {
    test(`${provider}: consent at the provider, redirect to the dashboard, listed with its e-mail`, async () => {
      const u = await register(w.srv);
      const login = `${provider}-user`;
      const r = await connect(w, u, provider, { login, browser: provider === 'gmail' });
      remember(r.back);
      assert.equal(r.status, 302, r.res.text);
      assert.equal(r.location.origin + r.location.pathname, `${w.srv.url}/dashboard/integrations`);
      assert.equal(r.location.searchParams.get('connected'), provider);
      assert.equal(r.location.searchParams.get('error'), null);
      const list = await listIntegrations(w.srv, u);
      assert.equal(list.length, 1);
      const it = list[0];
      assert.equal(it.provider, provider);
      assert.equal(it.email, provider === 'github' ? 'octo@example.com' : `${login}@example.com`);
      assert.equal(it.status, 'active');
      assert.match(it.connectedAt, ISO_UTC);
      if (provider !== 'github') assert.match(it.expiresAt, ISO_UTC);
      assert.ok(Array.isArray(it.scopes) && it.scopes.length > 0);
      for (const s of ['code', 'state', 'access_token', 'token']) assert.ok(!r.location.searchParams.has(s), `redirect carries ${s}`);
    });
  }

  test('authUrl carries client id, exact redirect URI, scopes, state, PKCE S256 and (OpenID) a nonce', async () => {
    const u = await register(w.srv);
    const seenStates = new Set();
    for (const provider of ['gmail', 'google', 'outlook', 'github']) {
      const { authUrl } = await authorize(w.srv, u, provider);
      const q = new URL(authUrl).searchParams;
      assert.equal(q.get('client_id'), CLIENT[provider].id);
      assert.equal(q.get('redirect_uri'), cbPrefix(provider));
      assert.equal(q.get('response_type'), 'code');
      assert.equal(q.get('code_challenge_method'), 'S256');
      assert.match(q.get('code_challenge'), /^[A-Za-z0-9_-]{43}$/);
      assert.match(q.get('state'), /^[A-Za-z0-9_-]{43,}$/, 'state has at least 128 bits');
      assert.ok(!seenStates.has(q.get('state')));
      seenStates.add(q.get('state'));
      const scopes = q.get('scope').split(' ');
      if (provider === 'github') {
        assert.equal(q.get('nonce'), null);
        assert.deepEqual(scopes, ['read:user', 'user:email']);
      } else {
        assert.match(q.get('nonce'), /^[A-Za-z0-9_-]{22,}$/);
        assert.ok(scopes.includes('openid') && scopes.includes('email'));
      }
      if (provider === 'gmail') assert.ok(scopes.some((s) => s.endsWith('gmail.readonly')) && scopes.some((s) => s.endsWith('gmail.modify')));
      if (provider === 'outlook') assert.ok(scopes.includes('offline_access'));
      if (provider === 'gmail' || provider === 'google') {
        assert.equal(q.get('access_type'), 'offline');
        assert.equal(q.get('prompt'), 'consent');
      }
    }
  });

  test('reconnecting replaces the stored tokens and keeps one row', async () => {
    const u = await register(w.srv);
    await connect(w, u, 'google', { login: 'first' });
    const r = await connect(w, u, 'google', { login: 'second' });
    assert.equal(r.location.searchParams.get('connected'), 'google');
    const list = await listIntegrations(w.srv, u);
    assert.equal(list.length, 1);
    assert.equal(list[0].email, 'second@example.com');
    const rf = await api(w.srv, 'POST', '/api/integrations/google/refresh', { token: u.token, csrf: u.csrf });
    assert.equal(rf.status, 200, rf.text);
  });
});

describe('failed callbacks store nothing and say why', () => {
  const expectError = (r, code, provider) => {
    assert.equal(r.status, 302, r.res.text);
    assert.equal(r.location.pathname, '/dashboard/integrations');
    assert.equal(r.location.searchParams.get('error'), code);
    assert.equal(r.location.searchParams.get('provider'), provider);
    assert.equal(r.location.searchParams.get('connected'), null);
  };

  test('the user denies consent at the provider', async () => {
    const u = await register(w.srv);
    const { authUrl } = await authorize(w.srv, u, 'gmail');
    const back = await consent(authUrl, { deny: true, stopAt: cbPrefix('gmail') });
    assert.equal(new URL(back).searchParams.get('error'), 'access_denied');
    expectError(await callback(w.srv, back), 'access_denied', 'gmail');
    assert.deepEqual(await listIntegrations(w.srv, u), []);
  });

  test('a replayed state is refused (and the first use stands)', async () => {
    const u = await register(w.srv);
    const r = await connect(w, u, 'github');
    remember(r.back);
    assert.equal(r.location.searchParams.get('connected'), 'github');
    expectError(await callback(w.srv, r.back), 'invalid_state', 'github');
    assert.equal((await listIntegrations(w.srv, u)).length, 1);
  });

  test("a state started in one user's browser fails in another user's browser", async () => {
    const alice = await register(w.srv);
    const mallory = await register(w.srv);
    const { authUrl, bindCookie } = await authorize(w.srv, alice, 'outlook', { browser: true });
    assert.ok(bindCookie, 'a browser session gets a binding cookie');
    const back = await consent(authUrl, { stopAt: cbPrefix('outlook') });
    remember(back);
    // The link ends up in Mallory's browser: her session, no binding cookie.
    expectError(await callback(w.srv, back, { cookie: mallory.cookie }), 'invalid_state', 'outlook');
    assert.deepEqual(await listIntegrations(w.srv, alice), []);
    assert.deepEqual(await listIntegrations(w.srv, mallory), []);
  });

  test('the binding cookie is HttpOnly, SameSite=Lax, short-lived and scoped to the callback', async () => {
    const u = await register(w.srv);
    const { res } = await authorize(w.srv, u, 'gmail', { browser: true });
    const line = res.headers.getSetCookie().find((c) => c.startsWith('passagent_oauth_gmail='));
    assert.match(line, /HttpOnly/i);
    assert.match(line, /SameSite=Lax/i);
    assert.match(line, /Max-Age=600/);
    assert.match(line, /Path=\/api\/integrations\/gmail\/callback/);
  });

  test('a state presented at another provider\'s callback is refused and burnt', async () => {
    const u = await register(w.srv);
    const { authUrl } = await authorize(w.srv, u, 'google');
    const back = await consent(authUrl, { stopAt: cbPrefix('google') });
    remember(back);
    const wrong = back.replace('/integrations/google/callback', '/integrations/gmail/callback');
    expectError(await callback(w.srv, wrong), 'invalid_state', 'gmail');
    expectError(await callback(w.srv, back), 'invalid_state', 'google');
    assert.deepEqual(await listIntegrations(w.srv, u), []);
  });

  test('an expired state is refused', async () => {
    const u = await register(w.srv);
    const { authUrl } = await authorize(w.srv, u, 'github');
    const back = await consent(authUrl, { stopAt: cbPrefix('github') });
    remember(back);
    // Ten minutes pass: age the pending states in the database.
    dbExec(w.srv, 'UPDATE oauth_states SET expires_at = expires_at - 601');
    expectError(await callback(w.srv, back), 'invalid_state', 'github');
    assert.deepEqual(await listIntegrations(w.srv, u), []);
  });

  test('a missing or forged state is refused', async () => {
    expectError(await callback(w.srv, `${cbPrefix('gmail')}?code=abc`), 'invalid_state', 'gmail');
    expectError(await callback(w.srv, `${cbPrefix('gmail')}?code=abc&state=${'A'.repeat(43)}`), 'invalid_state', 'gmail');
  });
});

describe('provider names and configuration', () => {
  test('an unknown provider is 404 naming the supported ones', async () => {
    const u = await register(w.srv);
    for (const [m, p] of [['GET', '/api/integrations/myspace/auth'], ['POST', '/api/integrations/myspace/refresh'], ['POST', '/api/integrations/myspace/disconnect']]) {
      const r = await api(w.srv, m, p, { token: u.token, csrf: u.csrf });
      assertError(r, 404, 'NOT_FOUND', /gmail.*outlook.*github.*google/);
    }
    assertError(await api(w.srv, 'GET', '/api/integrations/myspace/callback?code=x&state=y'), 404, 'NOT_FOUND', /gmail/);
  });

  test('the routes need a session (callback excepted) and CSRF on POST', async () => {
    assertError(await api(w.srv, 'GET', '/api/integrations/gmail/auth'), 401, 'UNAUTHORIZED');
    const u = await register(w.srv);
    assertError(await api(w.srv, 'POST', '/api/integrations/gmail/refresh', { token: u.token }), 403, 'FORBIDDEN');
    assertError(await api(w.srv, 'POST', '/api/integrations/gmail/disconnect', { token: u.token }), 403, 'FORBIDDEN');
  });

  test('a provider without client credentials answers 503 PROVIDER_NOT_CONFIGURED', async () => {
    const bare = await startServer();
    try {
      const u = await register(bare);
      for (const p of ['gmail', 'outlook', 'github', 'google']) {
        assertError(await api(bare, 'GET', `/api/integrations/${p}/auth`, { token: u.token }), 503, 'PROVIDER_NOT_CONFIGURED');
        assertError(await api(bare, 'POST', `/api/integrations/${p}/refresh`, { token: u.token, csrf: u.csrf }), 503, 'PROVIDER_NOT_CONFIGURED');
      }
    } finally {
      await stopClean(bare);
    }
  });
});
