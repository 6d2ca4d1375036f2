// IMAP mailboxes against a real Dovecot (implicit TLS and STARTTLS) on
// 127.0.0.2 and small fake servers: connect, list, disconnect, error
// mapping, CR/LF refusal, sealing at rest, and no secret in the logs.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  startServer, stopClean, api, register, assertError, assertJsonReply, ISO_UTC, SLOW,
} from './lib/server.mjs';
import { startDovecot } from '../peers/dovecot.mjs';
import { startSilent, startNoStarttls, startRefusing } from '../peers/fake-imap.mjs';

const ALICE = 'alice@example.test';
const ALICE_PW = 'p"a\\ss: w{rd}(x)*%]é 🔑'; // quote, backslash, colon, spaces, braces, UTF-8
const PLAIN = 'plain@example.test';
const PLAIN_PW = 'simple-pass-1';
const BOB_PW = 'bob-pass-1';
const CRLF_PW = 'x\r\nA999 DELETE INBOX';

let dove, silent, noTls, refusing, srv;

function connect(s, u, body) {
  return api(s, 'POST', '/api/integrations/imap/connect', { token: u.token, csrf: u.csrf, body });
}
async function list(s, u) {
  const r = await api(s, 'GET', '/api/user-integrations', { token: u.token });
  assert.equal(r.status, 200, r.text);
  return r.json.integrations;
}
const loginsOf = (user) => dove.log().split('\n').filter((l) => l.includes('Login: user=<' + user + '>'));

before(async () => {
  dove = await startDovecot({ [ALICE]: ALICE_PW, [PLAIN]: PLAIN_PW, bob: BOB_PW });
  silent = await startSilent();
  noTls = await startNoStarttls();
  refusing = await startRefusing(dove.cert, {
    'app@example.test': 'NO [ALERT] Application-specific password required: https://support.example/apppasswords',
    'basic@example.test': 'NO AUTHENTICATE failed: Basic authentication is disabled for this tenant',
  });
  const allow = [dove.portTls, dove.portStarttls, silent.port, noTls.port, refusing.port]
    .map((p) => `${dove.addr}:${p}`).join(',');
  srv = await startServer({
    env: {
      PASSAGENT_IMAP_ALLOW: allow,
      PASSAGENT_IMAP_CA_FILE: dove.cert.crt,
      PASSAGENT_IMAP_CONNECT_TIMEOUT: String(2 * SLOW),
      PASSAGENT_IMAP_REPLY_TIMEOUT: String(2 * SLOW),
      PASSAGENT_IMAP_CONNECT_LIMIT: 'off',
      PASSAGENT_IMAP_CHECK_INTERVAL: '0',
    },
  });
});

after(async () => {
  await stopClean(srv);
  for (const p of [silent, noTls, refusing]) if (p) await p.stop();
  if (dove) await dove.stop();
});

describe('IMAP connect against Dovecot', () => {
  test('implicit TLS: a password with quotes, backslash, spaces, braces and UTF-8 logs in; listed; disconnected', async () => {
    const u = await register(srv);
    const r = await connect(srv, u, { host: dove.addr, port: dove.portTls, username: ALICE, password: ALICE_PW, tls: true });
    assert.equal(r.status, 200, r.text);
    assertJsonReply(r);
    assert.deepEqual(r.json, { success: true, email: ALICE });
    const l = loginsOf(ALICE);
    assert.ok(l.length >= 1 && l.every((x) => /\bTLS\b/.test(x)), `Dovecot saw a TLS login:\n${dove.log()}`);

    const items = await list(srv, u);
    assert.equal(items.length, 1, JSON.stringify(items));
    assert.equal(items[0].provider, 'imap');
    assert.equal(items[0].email, ALICE);
    assert.equal(items[0].status, 'active');
    assert.match(items[0].connectedAt, ISO_UTC);
    assert.ok(!JSON.stringify(items).includes('p"a'), 'no password in the list');

    const d = await api(srv, 'POST', '/api/integrations/imap/disconnect', { token: u.token, csrf: u.csrf });
    assert.equal(d.status, 200, d.text);
    assert.deepEqual(d.json, { success: true });
    assert.deepEqual(await list(srv, u), []);
    const again = await api(srv, 'POST', '/api/integrations/imap/disconnect', { token: u.token, csrf: u.csrf });
    assert.deepEqual([again.status, again.json], [200, { success: true }], 'disconnecting twice is fine');
  });

  test('STARTTLS (tls: false) logs in over TLS; connecting again replaces the mailbox', async () => {
    const u = await register(srv);
    const before = loginsOf(PLAIN).length;
    const r = await connect(srv, u, { host: dove.addr, port: dove.portStarttls, username: PLAIN, password: PLAIN_PW, tls: false });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { success: true, email: PLAIN });
    const l = loginsOf(PLAIN).slice(before);
    assert.equal(l.length, 1, dove.log());
    assert.match(l[0], /\bTLS\b/, 'the login happened after STARTTLS');

    const r2 = await connect(srv, u, { host: dove.addr, port: dove.portTls, username: ALICE, password: ALICE_PW });
    assert.equal(r2.status, 200, r2.text);
    const items = await list(srv, u);
    assert.deepEqual(items.map((i) => [i.provider, i.email]), [['imap', ALICE]], 'one mailbox, the new one');
  });

  test('a user name that is not an address is listed as user@host', async () => {
    const u = await register(srv);
    const r = await connect(srv, u, { host: dove.addr, port: dove.portTls, username: 'bob', password: BOB_PW });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { success: true, email: `bob@${dove.addr}` });
    assert.equal((await list(srv, u))[0].email, `bob@${dove.addr}`);
  });

  test('the database holds no IMAP password in clear; the logs hold none', async () => {
    const u = await register(srv);
    const r = await connect(srv, u, { host: dove.addr, port: dove.portTls, username: ALICE, password: ALICE_PW });
    assert.equal(r.status, 200, r.text);
    const needles = [Buffer.from(ALICE_PW, 'utf8'), Buffer.from('w{rd}(x)', 'utf8'),
      Buffer.from(`\0${ALICE}\0${ALICE_PW}`).toString('base64')];
    for (const f of fs.readdirSync(srv.dataDir)) {
      const bytes = fs.readFileSync(path.join(srv.dataDir, f));
      for (const n of needles) assert.equal(bytes.indexOf(n), -1, `${f} contains the IMAP password`);
    }
    const logs = srv.logs();
    for (const n of needles) assert.ok(!logs.includes(n.toString()), 'logs contain the IMAP password');
    assert.match(logs, /imap login to 127\.0\.0\.2/, 'the login is logged (without secrets)');
  });
});

describe('IMAP errors a user can act on', () => {
  test('implicit TLS to the plaintext port: 502 IMAP_TLS_FAILED', async () => {
    const u = await register(srv);
    const r = await connect(srv, u, { host: dove.addr, port: dove.portStarttls, username: PLAIN, password: PLAIN_PW, tls: true });
    assertError(r, 502, 'IMAP_TLS_FAILED');
    assert.deepEqual(await list(srv, u), [], 'nothing stored on failure');
  });

  test('a server that strips STARTTLS gets no credentials: 502 IMAP_TLS_FAILED', async () => {
    const u = await register(srv);
    const r = await connect(srv, u, { host: dove.addr, port: noTls.port, username: 'victim@example.test', password: 'hunter2-secret', tls: false });
    assertError(r, 502, 'IMAP_TLS_FAILED', /STARTTLS/);
    assert.ok(noTls.connections >= 1, 'the fake server was reached');
    const got = noTls.text();
    assert.ok(!/LOGIN|AUTHENTICATE/i.test(got), `no login command may reach it, got: ${JSON.stringify(got)}`);
    assert.ok(!got.includes('victim') && !got.includes('hunter2'), 'no credential may reach it');
    assert.ok(!got.includes(Buffer.from('\0victim@example.test\0hunter2-secret').toString('base64')));
  });

  test('a server that never greets: 504 IMAP_TIMEOUT within the configured time', async () => {
    const u = await register(srv);
    const t0 = Date.now();
    const r = await connect(srv, u, { host: dove.addr, port: silent.port, username: 'a@b.test', password: 'x', tls: true });
    assertError(r, 504, 'IMAP_TIMEOUT');
    assert.ok(Date.now() - t0 < 12000 * SLOW, `took ${Date.now() - t0} ms`);
    assert.ok(silent.connections >= 1);
  });

  test('STARTTLS against the implicit-TLS port waits for a greeting that never comes: 504', async () => {
    const u = await register(srv);
    const r = await connect(srv, u, { host: dove.addr, port: dove.portTls, username: PLAIN, password: PLAIN_PW, tls: false });
    assertError(r, 504, 'IMAP_TIMEOUT');
  });

  test('refused connection: 502 IMAP_UNREACHABLE', async () => {
    const u = await register(srv);
    await silent.stop(); // its port now refuses
    const r = await connect(srv, u, { host: dove.addr, port: silent.port, username: 'a@b.test', password: 'x' });
    assertError(r, 502, 'IMAP_UNREACHABLE');
  });

  test('app password required and basic auth disabled get their own 422 codes', async () => {
    const u = await register(srv);
    const a = await connect(srv, u, { host: dove.addr, port: refusing.port, username: 'app@example.test', password: 'normal-password' });
    assertError(a, 422, 'IMAP_APP_PASSWORD_REQUIRED', /app password/);
    const b = await connect(srv, u, { host: dove.addr, port: refusing.port, username: 'basic@example.test', password: 'normal-password' });
    assertError(b, 422, 'IMAP_OAUTH_REQUIRED', /OAuth/);
    const c = await connect(srv, u, { host: dove.addr, port: refusing.port, username: 'other@example.test', password: 'normal-password' });
    assertError(c, 422, 'IMAP_AUTH_FAILED');
    assert.deepEqual(await list(srv, u), []);
  });

  test('a password with CR/LF is refused with 400 and never reaches the server', async () => {
    const u = await register(srv);
    const before = refusing.connections;
    for (const field of ['password', 'username', 'host']) {
      const body = { host: dove.addr, port: refusing.port, username: 'app@example.test', password: 'pw', tls: true };
      body[field] = field === 'password' ? CRLF_PW : `${body[field]}\nA999 DELETE INBOX`;
      const r = await connect(srv, u, body);
      assertError(r, 400, 'VALIDATION_ERROR');
      if (field !== 'host') assert.match(r.json.error, new RegExp(field));
    }
    assert.equal(refusing.connections, before, 'no connection was made');
    assert.ok(!refusing.text().includes('DELETE'));
  });

  test('bad bodies: 400 naming the field', async () => {
    const u = await register(srv);
    const base = { host: dove.addr, port: dove.portTls, username: ALICE, password: 'x', tls: true };
    const cases = [
      [{ ...base, host: undefined }, /host/], [{ ...base, host: 'bad host!' }, /host/], [{ ...base, host: '' }, /host/],
      [{ ...base, port: 0 }, /port/], [{ ...base, port: 70000 }, /port/], [{ ...base, port: '993' }, /port/],
      [{ ...base, username: '' }, /username/], [{ ...base, password: '' }, /password/], [{ ...base, tls: 'yes' }, /tls/],
      [{ ...base, password: 'x'.repeat(5000) }, /password/], [{ ...base, pinnedPublicKey: 'md5//abc' }, /pinnedPublicKey/],
    ];
    for (const [body, re] of cases) assertError(await connect(srv, u, body), 400, 'VALIDATION_ERROR', re);
  });

  test('auth and CSRF are required', async () => {
    const u = await register(srv);
    const body = { host: dove.addr, port: dove.portTls, username: ALICE, password: ALICE_PW };
    assertError(await api(srv, 'POST', '/api/integrations/imap/connect', { body }), 401, 'UNAUTHORIZED');
    assertError(await api(srv, 'POST', '/api/integrations/imap/connect', { token: u.token, body }), 403, 'FORBIDDEN');
    assertError(await api(srv, 'POST', '/api/integrations/imap/disconnect', { token: u.token }), 403, 'FORBIDDEN');
  });
});

describe('IMAP certificates', () => {
  test('self-signed certificate without the configured CA: 502 IMAP_TLS_FAILED; a pinned key connects', async () => {
    const allow = `${dove.addr}:${dove.portTls}`;
    const s2 = await startServer({ env: { PASSAGENT_IMAP_ALLOW: allow, PASSAGENT_IMAP_CONNECT_LIMIT: 'off', PASSAGENT_IMAP_CHECK_INTERVAL: '0' } });
    try {
      const u = await register(s2);
      const body = { host: dove.addr, port: dove.portTls, username: ALICE, password: ALICE_PW, tls: true };
      const r = await connect(s2, u, body);
      assertError(r, 502, 'IMAP_TLS_FAILED', /certificate/);
      const wrongPin = `sha256//${Buffer.alloc(32, 7).toString('base64')}`;
      assertError(await connect(s2, u, { ...body, pinnedPublicKey: wrongPin }), 502, 'IMAP_TLS_FAILED', /pinned/);
      const ok = await connect(s2, u, { ...body, pinnedPublicKey: dove.cert.pin });
      assert.equal(ok.status, 200, ok.text);
      assert.equal((await list(s2, u))[0].email, ALICE);
    } finally {
      await stopClean(s2);
    }
  });
});
