// Wrong password (Dovecot delays each failure, so these few cases have a
// Dovecot of their own), the background status check, and the per-user
// limit on connect attempts.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, stopClean, api, register, assertError, sleep, SLOW } from './lib/server.mjs';
import { startDovecot } from '../peers/dovecot.mjs';

const CAROL = 'carol@example.test';
const CAROL_PW = 'carol-pass-1';
let dove;

before(async () => { dove = await startDovecot({ [CAROL]: CAROL_PW, 'dave@example.test': 'dave-pass-1' }); });
after(async () => { if (dove) await dove.stop(); });

const connect = (s, u, body) => api(s, 'POST', '/api/integrations/imap/connect', { token: u.token, csrf: u.csrf, body });
const imapRow = async (s, u) => {
  const r = await api(s, 'GET', '/api/user-integrations', { token: u.token });
  assert.equal(r.status, 200, r.text);
  return r.json.integrations.find((i) => i.provider === 'imap');
};

describe('IMAP credentials over time', () => {
  test('wrong password: 422 IMAP_AUTH_FAILED, nothing stored; then a status check marks a changed password', async () => {
    const srv = await startServer({
      env: {
        PASSAGENT_IMAP_ALLOW: `${dove.addr}:${dove.portTls}`, PASSAGENT_IMAP_CA_FILE: dove.cert.crt,
        PASSAGENT_IMAP_CONNECT_TIMEOUT: String(20 * SLOW), PASSAGENT_IMAP_REPLY_TIMEOUT: String(20 * SLOW),
        PASSAGENT_IMAP_CONNECT_LIMIT: 'off', PASSAGENT_IMAP_CHECK_INTERVAL: '1',
      },
    });
    try {
      const u = await register(srv);
      const bad = await connect(srv, u, { host: dove.addr, port: dove.portTls, username: 'dave@example.test', password: 'not-daves-password' });
      assertError(bad, 422, 'IMAP_AUTH_FAILED');
      assert.equal(await imapRow(srv, u), undefined, 'nothing stored after a refused login');

      const ok = await connect(srv, u, { host: dove.addr, port: dove.portTls, username: CAROL, password: CAROL_PW });
      assert.equal(ok.status, 200, ok.text);
      assert.equal((await imapRow(srv, u)).status, 'active');
      // The check logs in again with the stored (sealed) credentials.
      const logins = () => dove.log().split('\n').filter((l) => l.includes(`Login: user=<${CAROL}>`)).length;
      const seen = logins();
      for (let i = 0; i < 100 && logins() === seen; i++) await sleep(100);
      assert.ok(logins() > seen, `the background check logs in; server log:\n${srv.logs().slice(-3000)}\ndovecot:\n${dove.log().slice(-2000)}`);
      assert.equal((await imapRow(srv, u)).status, 'active');

      dove.setPassword(CAROL, 'carol-changed-elsewhere');
      let row;
      for (let i = 0; i < 60 * SLOW; i++) {
        row = await imapRow(srv, u);
        if (row.status === 'error') break;
        await sleep(500);
      }
      assert.equal(row.status, 'error', 'a mailbox that no longer accepts its password shows status error');
      assert.equal(row.email, CAROL);
      assert.ok(!srv.logs().includes(CAROL_PW), 'no password in the logs');
    } finally {
      await stopClean(srv);
    }
  });

  test('connect attempts are limited per user: 429 with Retry-After, other users unaffected', async () => {
    const srv = await startServer({ env: { PASSAGENT_IMAP_CONNECT_LIMIT: '2/60', PASSAGENT_IMAP_CHECK_INTERVAL: '0' } });
    try {
      const a = await register(srv);
      const b = await register(srv);
      const body = { host: '10.1.2.3', port: 993, username: 'x@example.test', password: 'x' }; // denied: no network needed
      assertError(await connect(srv, a, body), 403, 'HOST_NOT_ALLOWED');
      assertError(await connect(srv, a, body), 403, 'HOST_NOT_ALLOWED');
      const third = await connect(srv, a, body);
      assertError(third, 429, 'RATE_LIMITED');
      assert.match(third.headers.get('retry-after') || '', /^\d+$/);
      assert.ok(Number(third.headers.get('retry-after')) <= 60);
      assertError(await connect(srv, b, body), 403, 'HOST_NOT_ALLOWED');
      // Validation failures do not spend the budget of b.
      assertError(await connect(srv, b, { ...body, password: '' }), 400, 'VALIDATION_ERROR');
      assertError(await connect(srv, b, body), 403, 'HOST_NOT_ALLOWED');
    } finally {
      await stopClean(srv);
    }
  });
});
