// Defences added after an adversarial review: each test is an attack that
// once got through, or an operator mistake that once went unnoticed.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { startServer, stopClean, register, api, rawExchange, assertError } from './lib/server.mjs';

describe('request hardening', () => {
  let srv;
  before(async () => { srv = await startServer(); });
  after(async () => { await stopClean(srv); });

  test('an encoded NUL in the path is refused instead of cutting the path short', async () => {
    const u = await register(srv, undefined, undefined, { csrf: false });
    const r = await api(srv, 'GET', '/api/auth/session%00junk', { token: u.token });
    assertError(r, 400, 'VALIDATION_ERROR');
    assert.doesNotMatch(srv.logs(), /session 200 .*\n.*%00/);
  });

  test('a JSON body without a Content-Type is refused (no preflight-free cross-site posts)', async () => {
    const body = '{"email":"nocontenttype@example.com","password":"12345678"}';
    const res = await rawExchange(srv,
      `POST /api/auth/register HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\nConnection: close`,
      [body]);
    assert.equal(res.status, 415, res.raw);
    assert.equal(JSON.parse(res.body).code, 'UNSUPPORTED_MEDIA_TYPE');
    const login = await api(srv, 'POST', '/api/auth/login', {
      body: { email: 'nocontenttype@example.com', password: '12345678' },
    });
    assert.equal(login.status, 401, 'no account was created');
  });
});

describe('start-up checks', () => {
  test('a master key that does not fit the database stops start-up with one clear line', async () => {
    const srv = await startServer({ keepDataDir: true });
    const dir = srv.dataDir;
    try {
      await register(srv, undefined, undefined, { csrf: false });
      await stopClean(srv);
      const wrong = crypto.randomBytes(32).toString('hex');
      await assert.rejects(
        startServer({ dataDir: dir, env: { PASSAGENT_MASTER_KEY: wrong } }),
        (err) => {
          assert.match(err.message, /exited during startup/);
          assert.match(err.message, /master key [0-9a-f]{16}, which is not configured/);
          assert.ok(!err.message.includes(wrong), 'the key itself is never printed');
          return true;
        });
      // The right key still works.
      const again = await startServer({ dataDir: dir });
      await stopClean(again);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a data directory open to others is closed to mode 0700 at start', async () => {
    const dir = fs.mkdtempSync('/tmp/passagent-bb-mode-');
    fs.chmodSync(dir, 0o755);
    const srv = await startServer({ dataDir: dir });
    try {
      assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
      assert.match(srv.logs(), /set to mode 0700/);
    } finally {
      await stopClean(srv);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
