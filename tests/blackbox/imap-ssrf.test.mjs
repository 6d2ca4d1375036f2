// Server-side request forgery: with no operator allow-list, every internal
// address form and every port outside 993/143 answers 403 HOST_NOT_ALLOWED
// and makes no connection — whatever is or is not listening there. With an
// allow-list entry the same Dovecot is reachable.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, stopClean, api, register, assertError, SLOW } from './lib/server.mjs';
import { startDovecot } from '../peers/dovecot.mjs';
import { tryCounting } from '../peers/fake-imap.mjs';

let srv, dove, listeners = [];

before(async () => {
  dove = await startDovecot({ 'plain@example.test': 'simple-pass-1' });
  // Listen where a forged request would go, to prove nothing arrives.
  for (const [addr, port] of [['127.0.0.1', 993], ['127.0.0.1', 143], ['127.0.0.2', 993], ['::1', 993]]) {
    const l = await tryCounting(addr, port);
    if (l) listeners.push(l);
  }
  srv = await startServer({
    env: {
      PASSAGENT_IMAP_CONNECT_LIMIT: 'off', PASSAGENT_IMAP_CHECK_INTERVAL: '0',
      PASSAGENT_IMAP_CONNECT_TIMEOUT: String(2 * SLOW), PASSAGENT_IMAP_REPLY_TIMEOUT: String(2 * SLOW),
    },
  });
});

after(async () => {
  await stopClean(srv);
  for (const l of listeners) await l.stop();
  if (dove) await dove.stop();
});

const connect = (s, u, host, port, extra = {}) => api(s, 'POST', '/api/integrations/imap/connect', {
  token: u.token, csrf: u.csrf, body: { host, port, username: 'plain@example.test', password: 'simple-pass-1', tls: true, ...extra },
});

describe('IMAP SSRF gate', () => {
  test('loopback, private, link-local, CGNAT, multicast, reserved, mapped and numeric forms: 403, no connection', async () => {
    const u = await register(srv);
    const hosts = [
      '127.0.0.1', '127.0.0.2', '127.255.255.254', '10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.1.1',
      '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '239.255.255.250', '240.0.0.1', '255.255.255.255',
      '192.0.2.1', '198.18.0.1', '[::1]', '::1', '[::]', '[::ffff:127.0.0.1]', '[::ffff:7f00:1]', '[::ffff:169.254.169.254]',
      '[::127.0.0.1]', '[64:ff9b::7f00:1]', '[2002:7f00:1::1]', '[fe80::1]', '[fc00::1]', '[fd12:3456::1]', '[ff02::1]',
      '[2001:db8::1]', '0x7f000001', '2130706433', '127.1', '0177.0.0.1', '0x7f.0.0.1', '017700000001', 'localhost',
    ];
    for (const host of hosts) {
      for (const port of [993, 143]) {
        const r = await connect(srv, u, host, port);
        assertError(r, 403, 'HOST_NOT_ALLOWED', undefined);
      }
    }
    for (const l of listeners) assert.equal(l.connections, 0, `something connected to ${l.port}`);
    const items = await api(srv, 'GET', '/api/user-integrations', { token: u.token });
    assert.deepEqual(items.json, { integrations: [] });
  });

  test('ports outside the allow-list: 403 whatever the host', async () => {
    const u = await register(srv);
    for (const [host, port] of [['93.184.216.34', 25], ['93.184.216.34', 80], ['imap.example.com', 8993], [dove.addr, dove.portTls]]) {
      assertError(await connect(srv, u, host, port), 403, 'HOST_NOT_ALLOWED', /port|not allowed/);
    }
  });

  test('a denied address answers the same whether or not something listens there', async () => {
    const u = await register(srv);
    const open = await connect(srv, u, '127.0.0.1', 993); // a listener may be there
    const closed = await connect(srv, u, '127.0.0.3', 993); // nothing is
    assert.equal(open.status, closed.status);
    assert.equal(open.json.code, closed.json.code);
    assert.equal(open.json.error, closed.json.error);
  });

  test('the operator allow-list admits the Dovecot on 127.0.0.2 — and only that target', async () => {
    const s2 = await startServer({
      env: {
        PASSAGENT_IMAP_ALLOW: `${dove.addr}:${dove.portTls}`, PASSAGENT_IMAP_CA_FILE: dove.cert.crt,
        PASSAGENT_IMAP_CONNECT_LIMIT: 'off', PASSAGENT_IMAP_CHECK_INTERVAL: '0',
      },
    });
    try {
      const u = await register(s2);
      const ok = await connect(s2, u, dove.addr, dove.portTls);
      assert.equal(ok.status, 200, ok.text);
      assertError(await connect(s2, u, dove.addr, dove.portStarttls, { tls: false }), 403, 'HOST_NOT_ALLOWED');
      assertError(await connect(s2, u, '127.0.0.1', dove.portTls), 403, 'HOST_NOT_ALLOWED');
      assertError(await connect(s2, u, 'localhost', dove.portTls), 403, 'HOST_NOT_ALLOWED');
    } finally {
      await stopClean(s2);
    }
  });

  test('a bad allow-list entry stops start-up with one line', async () => {
    const { runCli } = await import('./lib/server.mjs');
    const r = await runCli(['serve'], { env: { PASSAGENT_IMAP_ALLOW: '10.0.0.0/99', PASSAGENT_DATA_DIR: '/nonexistent-never' } });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /PASSAGENT_IMAP_ALLOW/);
  });
});
