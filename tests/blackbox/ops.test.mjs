// Operating the daemon: request logs without secrets, keep-alive, graceful
// shutdown and persistence, master key file, configuration errors, CLI.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import {
  startServer, stopClean, api, register, login, csrfToken, runCli, freePort, waitForLogs, sleep,
  assertError, uniqueEmail, randomPassword, SLOW, tail,
} from './lib/server.mjs';

const DURATION_RE = /(\d+(\.\d+)?\s*(ms|us|µs|ns|s)\b)|((dur|elapsed|latency|took|time)[a-z_]*"?\s*[=:]\s*"?\d)/i;

function linesWith(logs, needle) {
  return logs.split('\n').filter((l) => l.includes(needle));
}

describe('request logging', () => {
  let srv;
  before(async () => { srv = await startServer(); });
  after(async () => { await stopClean(srv); });

  test('one log line per request with method, path, status, duration and request id', async () => {
    const r = await api(srv, 'GET', '/healthz');
    const id = r.headers.get('x-request-id');
    assert.ok(id);
    const logs = await waitForLogs(srv, (l) => l.includes(id));
    const lines = linesWith(logs, id);
    assert.equal(lines.length, 1, `expected exactly one log line for request ${id}, got:\n${lines.join('\n') || tail(logs)}`);
    const line = lines[0];
    assert.match(line, /\bGET\b/, line);
    assert.match(line, /\/healthz\b/, line);
    assert.match(line, /\b200\b/, line);
    assert.match(line, DURATION_RE, `log line should carry a duration: ${line}`);

    const bad = await api(srv, 'DELETE', '/api/auth/login');
    const id2 = bad.headers.get('x-request-id');
    const logs2 = await waitForLogs(srv, (l) => l.includes(id2));
    const l2 = linesWith(logs2, id2);
    assert.equal(l2.length, 1, `one line for the 405 request ${id2}`);
    assert.match(l2[0], /\bDELETE\b/);
    assert.match(l2[0], /\/api\/auth\/login\b/);
    assert.match(l2[0], /\b405\b/);
  });

  test('logs never contain passwords, session tokens, CSRF tokens or query strings', async () => {
    const secretQ = `qs${crypto.randomBytes(8).toString('hex')}`;
    const password = `Sekret-${crypto.randomBytes(8).toString('hex')}`;
    const wrongPassword = `Wr0ng-${crypto.randomBytes(8).toString('hex')}`;
    const u = await register(srv, uniqueEmail('log'), password);
    const second = await login(srv, u.email, password);
    const csrf2 = await csrfToken(srv, second.token);
    const secrets = { password, wrongPassword, token: u.token, token2: second.token, csrf: u.csrf, csrf2, query: secretQ };

    const q1 = await api(srv, 'GET', `/healthz?secret=${secretQ}`);
    assert.equal(q1.status, 200, 'query strings must not break routing');
    const q1id = q1.headers.get('x-request-id');
    await api(srv, 'GET', `/api/auth/session?token=${secretQ}`, { token: u.token });
    await api(srv, 'GET', `/nope?access_token=${secretQ}`);
    await api(srv, 'POST', '/api/auth/login', { body: { email: u.email, password: wrongPassword } });
    await api(srv, 'POST', '/api/auth/login', { rawBody: `{"email":"${u.email}","password":"${wrongPassword}"` }); // malformed
    await api(srv, 'POST', '/api/auth/register', { body: { email: 'not-an-address', password: wrongPassword } });
    await api(srv, 'POST', '/api/auth/register', { body: { email: u.email, password } }); // 409
    await api(srv, 'GET', '/api/auth/session', { cookie: u.cookie });
    await api(srv, 'GET', '/api/auth/session', { headers: { authorization: `Bearer ${u.token}x` } });
    await api(srv, 'POST', '/api/auth/logout', { token: u.token, csrf: csrf2 }); // 403
    await api(srv, 'POST', '/api/auth/logout', { cookie: u.cookie, csrf: u.csrf }); // 200
    await api(srv, 'GET', '/api/auth/session', { token: u.token }); // 401 now

    const marker = await api(srv, 'GET', '/healthz');
    const mid = marker.headers.get('x-request-id');
    const logs = await waitForLogs(srv, (l) => l.includes(mid));
    assert.ok(logs.includes(mid), 'the marker request was logged');
    const qline = linesWith(logs, q1id);
    assert.equal(qline.length, 1, `the query-string request is logged once: ${qline}`);
    assert.match(qline[0], /\/healthz\b/);
    for (const [name, value] of Object.entries(secrets)) {
      assert.ok(!logs.includes(value), `the ${name} appears in the logs:\n${linesWith(logs, value).join('\n')}`);
    }
    assert.ok(!/secret=|access_token=|[?&]token=/.test(logs), 'query strings must not be logged');
  });
});

describe('keep-alive', () => {
  let srv;
  before(async () => { srv = await startServer(); });
  after(async () => { await stopClean(srv); });

  function request(agent, method, p, body) {
    return new Promise((resolve, reject) => {
      const req = http.request(`${srv.url}${p}`, {
        agent, method, headers: body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {},
      }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => { text += d; });
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text, reused: req.reusedSocket, localPort: req.socket.localPort }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  test('sequential requests reuse one connection, including after errors and POST bodies', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const steps = [
        ['GET', '/healthz', undefined, 200],
        ['GET', '/healthz', undefined, 200],
        ['GET', '/nope', undefined, 404],
        ['POST', '/api/auth/register', JSON.stringify({ email: uniqueEmail('ka'), password: randomPassword() }), 201],
        ['POST', '/api/auth/login', '{"broken', 400],
        ['GET', '/healthz', undefined, 200],
      ];
      const ports = new Set();
      for (const [i, [method, p, body, status]] of steps.entries()) {
        const r = await request(agent, method, p, body);
        assert.equal(r.status, status, `${method} ${p}: ${r.text}`);
        assert.notEqual(String(r.headers.connection || '').toLowerCase(), 'close', `${method} ${p} must not close the connection`);
        if (i > 0) assert.equal(r.reused, true, `request #${i + 1} (${method} ${p}) should reuse the kept-alive socket`);
        ports.add(r.localPort);
      }
      assert.equal(ports.size, 1, `all requests should share one TCP connection, saw local ports ${[...ports]}`);
    } finally {
      agent.destroy();
    }
  });
});

describe('persistence and graceful shutdown', () => {
  let dataDir;
  let srv1;
  let srv2;
  before(() => { dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'passagent-bb-persist-')); });
  after(async () => {
    try {
      if (srv1) await srv1.stop().catch(() => {});
      if (srv2) await stopClean(srv2);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('master key file, SIGTERM with a request in flight, restart on the same data dir', async () => {
    srv1 = await startServer({ dataDir });
    const keyPath = path.join(dataDir, 'master.key');
    assert.ok(fs.existsSync(keyPath), `${keyPath} should be created on first start; data dir holds ${fs.readdirSync(dataDir)}`);
    const mode = fs.statSync(keyPath).mode & 0o777;
    assert.equal(mode, 0o600, `master.key mode is ${mode.toString(8)}, must be 600`);
    const keyBytes = fs.readFileSync(keyPath);
    assert.ok(keyBytes.length >= 32, 'master key file should hold at least 256 bits');

    const u = await register(srv1);

    // A registration is in flight (Argon2id takes a while) when SIGTERM arrives.
    const late = { email: uniqueEmail('inflight'), password: randomPassword() };
    const inflight = api(srv1, 'POST', '/api/auth/register', { body: late })
      .catch((e) => ({ status: 'no reply', text: e.message }));
    await sleep(40);
    const code = await srv1.stop();
    const logs1 = srv1.logs();
    assert.equal(code, 0, `exit code after SIGTERM: ${code} (signal ${srv1.exitSignal})\n${tail(logs1)}`);
    assert.match(logs1, /shut\s*down|shutting|stopp(ed|ing)|terminat/i, `shutdown should be logged:\n${tail(logs1)}`);
    const lr = await inflight;
    assert.equal(lr.status, 201, `the in-flight request must finish before exit: ${lr.status} ${lr.text}`);

    srv2 = await startServer({ dataDir });
    assert.deepEqual(fs.readFileSync(keyPath), keyBytes, 'the master key must not change across restarts');
    assert.equal(fs.statSync(keyPath).mode & 0o777, 0o600);

    const l = await login(srv2, u.email, u.password);
    assert.equal(l.user.id, u.user.id);
    assert.equal(l.user.createdAt, u.user.createdAt);
    const s = await api(srv2, 'GET', '/api/auth/session', { token: u.token });
    assert.equal(s.status, 200, `a session from before the restart should survive it: ${s.text}`);
    assert.equal(s.json.user.id, u.user.id);
    assert.equal(await csrfToken(srv2, u.token), u.csrf, 'the CSRF token belongs to the session and survives too');

    const l2 = await login(srv2, late.email, late.password);
    assert.equal(l2.user.email, late.email);

    const dup = await api(srv2, 'POST', '/api/auth/register', { body: { email: u.email, password: randomPassword() } });
    assertError(dup, 409, 'CONFLICT');
  });
});

describe('command line and configuration errors', () => {
  let dataDir;
  before(() => { dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'passagent-bb-cli-')); });
  after(() => { fs.rmSync(dataDir, { recursive: true, force: true }); });

  function stderrLines(r) {
    return r.stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  }

  function assertConfigError(r, varName, { oneLine = true } = {}) {
    assert.equal(r.timedOut, false, `must exit quickly on bad ${varName}, still running after timeout`);
    assert.equal(r.signal, null, `must exit, not die of signal ${r.signal}:\n${r.stderr}`);
    assert.notEqual(r.code, 0, `bad ${varName} must give a non-zero exit`);
    const lines = stderrLines(r);
    if (oneLine) assert.equal(lines.length, 1, `expected exactly one line on stderr, got:\n${r.stderr}`);
    assert.ok(lines.some((l) => l.includes(varName)), `stderr should name ${varName}:\n${r.stderr}`);
  }

  test('--help exits 0 and documents the main settings', async () => {
    const r = await runCli(['--help'], { env: { PASSAGENT_DATA_DIR: dataDir } });
    assert.equal(r.code, 0, `--help exit code ${r.code}: ${r.stderr}`);
    for (const v of ['PASSAGENT_LISTEN', 'PASSAGENT_DB', 'PASSAGENT_MASTER_KEY']) {
      assert.ok(r.stdout.includes(v), `--help should mention ${v}:\n${r.stdout}`);
    }
  });

  test('an unknown subcommand exits non-zero', async () => {
    const r = await runCli(['frobnicate'], { env: { PASSAGENT_DATA_DIR: dataDir } });
    assert.equal(r.timedOut, false);
    assert.notEqual(r.code, 0);
    assert.ok(r.stderr.trim().length > 0, 'should say what is wrong on stderr');
  });

  test('PASSAGENT_LISTEN=nonsense exits non-zero quickly with one line naming the variable', async () => {
    const r = await runCli(['serve'], { env: { PASSAGENT_LISTEN: 'nonsense', PASSAGENT_DATA_DIR: dataDir }, timeoutMs: 5000 * SLOW });
    assertConfigError(r, 'PASSAGENT_LISTEN');
  });

  test('a too-short PASSAGENT_MASTER_KEY exits non-zero with one line naming it, without echoing it', async () => {
    const port = await freePort();
    const value = 'c2hvcnRrZXk';
    const r = await runCli(['serve'], {
      env: { PASSAGENT_LISTEN: `127.0.0.1:${port}`, PASSAGENT_DATA_DIR: dataDir, PASSAGENT_MASTER_KEY: value },
      timeoutMs: 5000 * SLOW,
    });
    assertConfigError(r, 'PASSAGENT_MASTER_KEY');
    assert.ok(!r.stderr.includes(value) && !r.stdout.includes(value), 'the key material must not be printed');
  });

  test('an invalid PASSAGENT_RATE_LIMITS is refused at startup', async () => {
    for (const value of ['auth=ten/900', 'bogus=5/60', 'general=5', 'general=0/0,auth']) {
      const port = await freePort();
      const r = await runCli(['serve'], {
        env: { PASSAGENT_LISTEN: `127.0.0.1:${port}`, PASSAGENT_DATA_DIR: dataDir, PASSAGENT_RATE_LIMITS: value },
        timeoutMs: 5000 * SLOW,
      });
      assertConfigError(r, 'PASSAGENT_RATE_LIMITS', { oneLine: false });
    }
  });

  test('an unsupported PASSAGENT_DB scheme is refused at startup', async () => {
    const port = await freePort();
    const r = await runCli(['serve'], {
      env: { PASSAGENT_LISTEN: `127.0.0.1:${port}`, PASSAGENT_DATA_DIR: dataDir, PASSAGENT_DB: 'mysql://root@localhost/passagent' },
      timeoutMs: 5000 * SLOW,
    });
    assertConfigError(r, 'PASSAGENT_DB', { oneLine: false });
  });

  test('a listen address already in use exits non-zero with an explanation', async () => {
    const blocker = net.createServer();
    await new Promise((r) => blocker.listen(0, '127.0.0.1', r));
    const { port } = blocker.address();
    try {
      const r = await runCli(['serve'], {
        env: { PASSAGENT_LISTEN: `127.0.0.1:${port}`, PASSAGENT_DATA_DIR: dataDir, PASSAGENT_RATE_LIMITS: 'off' },
        timeoutMs: 10000 * SLOW,
      });
      assert.equal(r.timedOut, false, 'must not keep running without its listening socket');
      assert.notEqual(r.code, 0, `exit code ${r.code}`);
      assert.ok(r.stderr.trim().length > 0, 'should explain on stderr');
    } finally {
      blocker.close();
    }
  });
});
