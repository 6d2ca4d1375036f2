// Refresh, disconnect and provider failures, against real peers.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startOAuthWorld, connect, listIntegrations, register, api, assertNoSecrets,
} from './lib/oauth.mjs';
import { stopClean, assertError, assertJsonReply, ISO_UTC, freePort, sleep } from './lib/server.mjs';

let w;
let deadPort;
before(async () => {
  deadPort = await freePort(); // nothing listens here
  w = await startOAuthWorld({
    // google's token endpoint is unreachable: exchange failures
    env: { PASSAGENT_GOOGLE_TOKEN_URL: `http://127.0.0.1:${deadPort}/token` },
  });
});
after(async () => {
  if (w) {
    await assertNoSecrets(w);
    await stopClean(w.srv);
    await w.close();
  }
});

const refresh = (u, p) => api(w.srv, 'POST', `/api/integrations/${p}/refresh`, { token: u.token, csrf: u.csrf });
const disconnect = (u, p) => api(w.srv, 'POST', `/api/integrations/${p}/disconnect`, { token: u.token, csrf: u.csrf });

describe('code exchange failures', () => {
  const expectExchangeFailed = async (provider, arrange) => {
    const u = await register(w.srv);
    await arrange?.();
    try {
      const r = await connect(w, u, provider);
      assert.equal(r.status, 302);
      assert.equal(r.location.searchParams.get('error'), 'exchange_failed', r.location.href);
      assert.equal(r.location.searchParams.get('provider'), provider);
    } finally {
      w.github.state.mode = 'normal';
    }
    assert.deepEqual(await listIntegrations(w.srv, u), []);
  };
  test('provider unreachable', () => expectExchangeFailed('google'));
  test('provider slower than the timeout', async () => {
    const t0 = Date.now();
    await expectExchangeFailed('github', () => { w.github.state.mode = 'slow'; w.github.state.slowMs = 6000; });
    assert.ok(Date.now() - t0 < 5500, 'the timeout (3 s) cut the exchange short');
  });
  test('malformed JSON', () => expectExchangeFailed('github', () => { w.github.state.mode = 'garbage'; }));
  test('an oversized reply', () => expectExchangeFailed('github', () => { w.github.state.mode = 'huge'; }));
  test('an error reported with HTTP 200', () => expectExchangeFailed('github', () => { w.github.state.mode = 'error200'; }));
});

describe('refresh', () => {
  test('without rotation (Google): the stored refresh token keeps working', async () => {
    const u = await register(w.srv);
    await connect(w, u, 'gmail');
    const before = w.google.tokenRequests();
    for (let i = 0; i < 3; i++) {
      const r = await refresh(u, 'gmail');
      assert.equal(r.status, 200, r.text);
      assertJsonReply(r);
      assert.equal(r.json.success, true);
      assert.match(r.json.expiresAt, ISO_UTC);
    }
    assert.equal(w.google.tokenRequests() - before, 3);
    assert.equal((await listIntegrations(w.srv, u))[0].status, 'active');
  });

  test('with rotation (Microsoft): each rotated refresh token is stored and used next', async () => {
    const u = await register(w.srv);
    await connect(w, u, 'outlook');
    // Reusing a consumed refresh token would revoke the grant at the peer.
    for (let i = 0; i < 3; i++) {
      const r = await refresh(u, 'outlook');
      assert.equal(r.status, 200, r.text);
    }
    assert.equal((await listIntegrations(w.srv, u))[0].status, 'active');
  });

  test('eight refreshes at once: exactly one token request, all succeed', async () => {
    const u = await register(w.srv);
    await connect(w, u, 'outlook');
    w.microsoft.setTokenDelay(400);
    const before = w.microsoft.tokenRequests();
    try {
      const rs = await Promise.all(Array.from({ length: 8 }, () => refresh(u, 'outlook')));
      for (const r of rs) assert.equal(r.status, 200, r.text);
      assert.equal(w.microsoft.tokenRequests() - before, 1);
      assert.equal(new Set(rs.map((r) => r.json.expiresAt)).size, 1);
    } finally {
      w.microsoft.setTokenDelay(0);
    }
    const again = await refresh(u, 'outlook'); // the rotated token was kept
    assert.equal(again.status, 200, again.text);
  });

  test('after the provider revoked the grant: 422 REAUTHORIZATION_REQUIRED and status expired', async () => {
    const u = await register(w.srv);
    await connect(w, u, 'outlook');
    await w.microsoft.revokeAllGrants();
    assertError(await refresh(u, 'outlook'), 422, 'REAUTHORIZATION_REQUIRED');
    assert.equal((await listIntegrations(w.srv, u))[0].status, 'expired');
    assertError(await refresh(u, 'outlook'), 422, 'REAUTHORIZATION_REQUIRED');
    const back = await connect(w, u, 'outlook'); // reconnecting heals it
    assert.equal(back.location.searchParams.get('connected'), 'outlook');
    assert.equal((await listIntegrations(w.srv, u))[0].status, 'active');
  });

  test('GitHub OAuth apps issue no refresh token: 422 REFRESH_NOT_SUPPORTED', async () => {
    const u = await register(w.srv);
    await connect(w, u, 'github');
    assertError(await refresh(u, 'github'), 422, 'REFRESH_NOT_SUPPORTED');
  });

  test('provider too slow: 502 PROVIDER_ERROR, status unchanged, next refresh works', async () => {
    const u = await register(w.srv);
    await connect(w, u, 'gmail');
    w.google.setTokenDelay(5000);
    try {
      assertError(await refresh(u, 'gmail'), 502, 'PROVIDER_ERROR');
    } finally {
      w.google.setTokenDelay(0);
    }
    assert.equal((await listIntegrations(w.srv, u))[0].status, 'active');
    assert.equal((await refresh(u, 'gmail')).status, 200);
  });

  test('not connected: 404', async () => {
    const u = await register(w.srv);
    assertError(await refresh(u, 'gmail'), 404, 'NOT_FOUND');
  });
});

describe('disconnect', () => {
  test('Google: revoked at the provider, then gone; twice is fine', async () => {
    const u = await register(w.srv);
    await connect(w, u, 'gmail');
    const before = w.google.revocations.length;
    const r = await disconnect(u, 'gmail');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { success: true });
    assert.equal(w.google.revocations.length - before, 1, 'the grant was revoked at the provider');
    assert.deepEqual(await listIntegrations(w.srv, u), []);
    assert.deepEqual((await disconnect(u, 'gmail')).json, { success: true });
  });

  test('GitHub: the grant is deleted with Basic auth', async () => {
    const u = await register(w.srv);
    await connect(w, u, 'github');
    const before = w.github.state.grantDeletions.length;
    assert.equal((await disconnect(u, 'github')).status, 200);
    assert.equal(w.github.state.grantDeletions.length - before, 1);
    assert.deepEqual(await listIntegrations(w.srv, u), []);
  });

  test('Microsoft (no per-app revocation): deleted locally', async () => {
    const u = await register(w.srv);
    await connect(w, u, 'outlook');
    assert.equal((await disconnect(u, 'outlook')).status, 200);
    assert.deepEqual(await listIntegrations(w.srv, u), []);
  });

  test('one user disconnecting leaves another user\'s integration alone', async () => {
    const a = await register(w.srv);
    const b = await register(w.srv);
    await connect(w, a, 'github');
    await connect(w, b, 'github');
    await disconnect(a, 'github');
    assert.equal((await listIntegrations(w.srv, b)).length, 1);
  });
});

describe('automatic refresh', () => {
  test('tokens about to expire are refreshed without anyone asking', async () => {
    const auto = await startOAuthWorld({
      accessTtl: 6,
      env: { PASSAGENT_OAUTH_REFRESH_INTERVAL: '1', PASSAGENT_OAUTH_REFRESH_MARGIN: '4' },
    });
    try {
      const u = await register(auto.srv);
      await connect(auto, u, 'outlook');
      await connect(auto, u, 'gmail');
      const first = Object.fromEntries((await listIntegrations(auto.srv, u)).map((i) => [i.provider, i.expiresAt]));
      const t0 = { ms: auto.microsoft.tokenRequests(), g: auto.google.tokenRequests() };
      let now;
      for (let i = 0; i < 40; i++) {
        await sleep(250);
        now = Object.fromEntries((await listIntegrations(auto.srv, u)).map((i) => [i.provider, i]));
        if (now.outlook.expiresAt > first.outlook && now.gmail.expiresAt > first.gmail) break;
      }
      assert.ok(now.outlook.expiresAt > first.outlook, 'outlook refreshed in the background');
      assert.ok(now.gmail.expiresAt > first.gmail, 'gmail refreshed in the background');
      assert.equal(now.outlook.status, 'active');
      assert.ok(auto.microsoft.tokenRequests() > t0.ms && auto.google.tokenRequests() > t0.g);
      assert.match(auto.srv.logs(), /oauth refresher: outlook token of user \S+ refreshed/);
      // Still usable afterwards (the rotated token was stored).
      const r = await api(auto.srv, 'POST', '/api/integrations/outlook/refresh', { token: u.token, csrf: u.csrf });
      assert.equal(r.status, 200, r.text);
    } finally {
      await assertNoSecrets(auto);
      await stopClean(auto.srv);
      await auto.close();
    }
  });
});
