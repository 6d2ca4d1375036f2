// Scale-out: several stateless instances on one PostgreSQL, behind nginx
// (deploy/nginx.conf.template), and a database outage. Each describe block
// brings its own PostgreSQL cluster, so these run whatever backend the rest
// of the suite uses.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startServer, stopClean, register, api, csrfToken, sleep, assertJsonReply, freePort } from './lib/server.mjs';
import { startPostgres, startNginx } from './lib/cluster.mjs';
import { startOAuthWorld, authorize, consent, callback, connect, listIntegrations } from './lib/oauth.mjs';

const masterKey = crypto.randomBytes(32).toString('hex');

async function instances(pg, n, extraEnv = {}) {
  const db = pg.dbUrl('pa_' + crypto.randomBytes(6).toString('hex'));
  const env = { PASSAGENT_DB: db, PASSAGENT_MASTER_KEY: masterKey, ...extraEnv };
  const out = [];
  for (let i = 0; i < n; i++) out.push(await startServer({ env }));
  return { db, servers: out };
}

describe('two instances behind nginx on one PostgreSQL', () => {
  let pg, a, b, lb, db;
  before(async () => {
    pg = startPostgres();
    ({ db, servers: [a, b] } = await instances(pg, 2, { PASSAGENT_RATE_LIMITS: 'general=5/60' }));
    lb = await startNginx([a.port, b.port]);
  });
  after(async () => {
    if (lb) await lb.stop();
    await stopClean(a);
    await stopClean(b);
    if (pg) pg.stop();
  });

  test('a session made through the balancer works on each instance, CSRF included', async () => {
    const u = await register({ url: lb.url, logs: () => '' });
    for (const s of [a, b]) {
      const r = await api(s, 'GET', '/api/auth/session', { token: u.token });
      assert.equal(r.status, 200, `instance ${s.port}: ${r.text}`);
      assert.equal(r.json.user.id, u.user.id);
    }
    // The CSRF token one instance issued is accepted by the other.
    const csrfFromA = await csrfToken(a, u.token);
    const out = await api(b, 'POST', '/api/auth/logout', { token: u.token, csrf: csrfFromA });
    assert.equal(out.status, 200, out.text);
    // Logged out on B means logged out on A too.
    const after = await api(a, 'GET', '/api/auth/session', { token: u.token });
    assert.equal(after.status, 401);
  });

  test('the general rate limit counts requests from both instances', async () => {
    const u = await register(a, undefined, undefined, { csrf: false });
    const statuses = [];
    for (let i = 0; i < 6; i++) {
      const r = await api(i % 2 ? b : a, 'GET', '/api/user-integrations', { token: u.token });
      statuses.push(r.status);
      if (r.status === 429) {
        assertJsonReply(r);
        assert.ok(Number(r.headers.get('retry-after')) > 0);
      }
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429]);
  });

  test('both instances serve traffic through nginx, and rows are shared', async () => {
    const users = [];
    for (let i = 0; i < 4; i++) users.push(await register({ url: lb.url, logs: () => '' }, undefined, undefined, { csrf: false }));
    const seenA = /POST \/api\/auth\/register 201/.test(a.logs());
    const seenB = /POST \/api\/auth\/register 201/.test(b.logs());
    assert.ok(seenA && seenB, 'round robin reached both instances');
    const count = Number(pg.query(db, 'SELECT count(*) FROM users'));
    assert.ok(count >= 4 + 2, `users table has ${count} rows`);
  });
});

describe('client address behind a trusted proxy', () => {
  let pg, s;
  before(async () => {
    pg = startPostgres();
    ({ servers: [s] } = await instances(pg, 1, { PASSAGENT_RATE_LIMITS: 'auth=3/900', PASSAGENT_TRUSTED_PROXIES: '127.0.0.1' }));
  });
  after(async () => { await stopClean(s); if (pg) pg.stop(); });

  test('auth limits count per forwarded client, not per proxy', async () => {
    const login = (ip) => api(s, 'POST', '/api/auth/login', {
      body: { email: 'nobody@example.com', password: 'wrong-password' },
      headers: { 'x-forwarded-for': ip },
    });
    for (let i = 0; i < 3; i++) assert.equal((await login('203.0.113.5')).status, 401);
    assert.equal((await login('203.0.113.5')).status, 429, 'fourth attempt of one client is limited');
    // The account-level limit (per e-mail) is also 3, so use another address
    // and e-mail to show the other client is unaffected by the first one.
    const other = await api(s, 'POST', '/api/auth/register', {
      body: { email: `x${Date.now()}@example.com`, password: 'another-password' },
      headers: { 'x-forwarded-for': '198.51.100.7' },
    });
    assert.equal(other.status, 201, other.text);
  });
});

describe('database outage', () => {
  let pg, s, db;
  before(async () => {
    pg = startPostgres();
    ({ db, servers: [s] } = await instances(pg, 1));
  });
  after(async () => { await stopClean(s); if (pg) pg.stop(); });

  test('requests fail fast with 503 while PostgreSQL is down and recover without a restart', async () => {
    const before = await register(s, undefined, undefined, { csrf: false });
    let created = 1;
    pg.pause();
    try {
      for (const req of [
        () => api(s, 'GET', '/api/auth/session', { token: before.token }),
        () => api(s, 'GET', '/healthz'),
        () => api(s, 'POST', '/api/auth/register', { body: { email: `down${Date.now()}@example.com`, password: 'password-during-outage' } }),
      ]) {
        const t0 = Date.now();
        const r = await req();
        const ms = Date.now() - t0;
        assert.equal(r.status, 503, r.text);
        assertJsonReply(r);
        assert.equal(r.json.code, 'DATABASE_UNAVAILABLE');
        assert.ok(ms < 5000, `answered in ${ms} ms`);
      }
      assert.ok(s.alive(), 'the server is still running');
    } finally {
      pg.resume();
    }
    let ok = false;
    for (let i = 0; i < 50 && !ok; i++) {
      const r = await api(s, 'GET', '/api/auth/session', { token: before.token });
      ok = r.status === 200;
      if (!ok) await sleep(200);
    }
    assert.ok(ok, 'the session works again once the database is back');
    await register(s, undefined, undefined, { csrf: false });
    created++;
    // Nothing half-written: exactly the users whose registration got 201.
    assert.equal(Number(pg.query(db, 'SELECT count(*) FROM users')), created);
    assert.equal(Number(pg.query(db, 'SELECT count(*) FROM sessions')), created);
  });
});

describe('OAuth and import across two instances on one PostgreSQL', () => {
  let pg, world, b, lb;
  before(async () => {
    pg = startPostgres();
    const db = pg.dbUrl('pa_' + crypto.randomBytes(6).toString('hex'));
    const lbPort = await freePort();
    const shared = { PASSAGENT_DB: db, PASSAGENT_MASTER_KEY: masterKey };
    // Instance A comes with the providers; B gets the very same settings.
    world = await startOAuthWorld({ publicUrl: `http://127.0.0.1:${lbPort}`, env: shared });
    b = await startServer({ env: world.env });
    lb = await startNginx([world.srv.port, b.port], lbPort);
  });
  after(async () => {
    if (lb) await lb.stop();
    if (world) { await stopClean(world.srv); await world.close(); }
    await stopClean(b);
    if (pg) pg.stop();
  });

  test('an OAuth flow started on one instance finishes on the other', async () => {
    const a = world.srv;
    const u = await register(a);
    const { authUrl } = await authorize(a, u, 'gmail');
    const back = await consent(authUrl, { login: 'alice', stopAt: `${lb.url}/api/integrations/gmail/callback` });
    const r = await callback(b, back); // the callback lands on B
    assert.equal(r.status, 302, r.res.text);
    assert.equal(r.location.searchParams.get('connected'), 'gmail', r.location.toString());
    const listed = await listIntegrations(a, u);
    assert.deepEqual(listed.map((i) => [i.provider, i.status]), [['gmail', 'active']]);
  });

  test('concurrent refreshes sent to both instances make exactly one token request', async () => {
    const u = await register(world.srv);
    // Connected through the balancer, as a browser would.
    const c = await connect({ ...world, srv: { ...world.srv, url: lb.url } }, u, 'outlook');
    assert.equal(c.status, 302);
    world.microsoft.setTokenDelay(400);
    const before = world.microsoft.tokenRequests();
    try {
      const rs = await Promise.all(Array.from({ length: 8 }, (_, i) =>
        api(i % 2 ? b : world.srv, 'POST', '/api/integrations/outlook/refresh', { token: u.token, csrf: u.csrf })));
      for (const r of rs) assert.equal(r.status, 200, r.text);
      assert.equal(world.microsoft.tokenRequests() - before, 1);
    } finally {
      world.microsoft.setTokenDelay(0);
    }
    // The rotated refresh token was kept: one more refresh, on the other side, works.
    const again = await api(b, 'POST', '/api/integrations/outlook/refresh', { token: u.token, csrf: u.csrf });
    assert.equal(again.status, 200, again.text);
  });

  test('an idempotent import retried on the other instance is not imported twice', async () => {
    const u = await register(world.srv);
    const body = { format: 'csv', data: 'name,url,username,password\nsite,https://site.example,ann,pw-1\nother,https://other.example,ann,pw-2\n' };
    const headers = { 'Idempotency-Key': 'retry-' + crypto.randomBytes(6).toString('hex') };
    const first = await api(world.srv, 'POST', '/api/passwords/import', { token: u.token, csrf: u.csrf, body, headers });
    assert.equal(first.status, 200, first.text);
    assert.equal(first.json.imported, 2);
    const retry = await api(b, 'POST', '/api/passwords/import', { token: u.token, csrf: u.csrf, body, headers });
    assert.equal(retry.status, 200, retry.text);
    assert.deepEqual(retry.json, first.json, 'the retry returns the first result');
    const list = await api(b, 'GET', '/api/passwords', { token: u.token });
    assert.equal(list.json.pagination.total, 2);
  });

  test('a large import goes through the balancer (nginx buffers big bodies to disk)', async () => {
    const u = await register(world.srv);
    let data = 'name,url,username,password\n';
    for (let i = 0; i < 2000; i++) data += `site${i},https://site${i}.example/login,user${i},pw-${i}-xxxxxxxxxxxxxxxx\n`;
    assert.ok(data.length > 64 * 1024, 'the body is well over nginx\'s in-memory buffer');
    const r = await api({ url: lb.url, logs: () => '' }, 'POST', '/api/passwords/import',
      { token: u.token, csrf: u.csrf, body: { format: 'csv', data } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.imported, 2000);
  });
});
