// Black-box test harness for the passagent daemon.
// Node built-ins only. Starts real `passagent serve` processes on free ports
// with throw-away data directories and talks to them over HTTP.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import crypto from 'node:crypto';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const BIN = path.resolve(REPO_ROOT, process.env.PASSAGENT_BIN || 'build/passagent');

// Slow factor: sanitizer builds are ~3x slower. Timeouts scale with it.
export const SLOW = /asan|sanitiz/i.test(BIN) || process.env.PASSAGENT_SLOW === '1' ? 3 : 1;

export const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
export const TOKEN_RE = /^[A-Za-z0-9_-]{43}$/;
export const COOKIE_NAME = 'passagent_session';

const live = new Set();
process.on('exit', () => {
  for (const child of live) {
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
  }
});

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// Environment for a child: the test runner's environment without any
// PASSAGENT_* variables (so an operator's shell cannot leak into tests),
// then `base`, then `overrides` (a value of undefined/null deletes the key).
function childEnv(base, overrides) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('PASSAGENT_')) env[k] = v;
  }
  for (const [k, v] of Object.entries({ ...base, ...overrides })) {
    if (v === undefined || v === null) delete env[k];
    else env[k] = String(v);
  }
  return env;
}

/**
 * Run the binary to completion (for CLI / config-error tests).
 * Resolves {code, signal, stdout, stderr, ms, timedOut}.
 */
export function runCli(args, { env = {}, timeoutMs = 10000 * SLOW } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const child = spawn(BIN, args, { env: childEnv({}, env), stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); live.delete(child); reject(e); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      live.delete(child);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - t0, timedOut });
    });
  });
}

// With PASSAGENT_TEST_PG_ADMIN (an admin URL of a throw-away PostgreSQL
// cluster, set by scripts/run-tests.sh), every data dir gets its own
// database, named after the dir so that a restart on it finds its data.
const PG_ADMIN = process.env.PASSAGENT_TEST_PG_ADMIN || '';
export const BACKEND = PG_ADMIN ? 'postgres' : 'sqlite';

function pgDatabaseFor(dataDir) {
  const name = 'pa_' + path.basename(dataDir).toLowerCase().replace(/[^a-z0-9]/g, '_');
  const r = spawnSync('psql', [PG_ADMIN, '-qAtc', `SELECT 1 FROM pg_database WHERE datname = '${name}'`],
    { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
  if (r.stdout.trim() !== '1') {
    const c = spawnSync('psql', [PG_ADMIN, '-qc', `CREATE DATABASE "${name}"`], { encoding: 'utf8' });
    if (c.status !== 0) throw new Error(`CREATE DATABASE failed: ${c.stderr}`);
  }
  const u = new URL(PG_ADMIN);
  u.pathname = '/' + name;
  return u.toString();
}

/** Runs one SQL statement on a server's database, whichever the backend. */
export function dbExec(srv, sql) {
  const r = srv.dbUrl
    ? spawnSync('psql', [srv.dbUrl, '-qAtc', sql], { encoding: 'utf8' })
    : spawnSync('sqlite3', [path.join(srv.dataDir, 'passagent.db'), sql], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`SQL failed: ${sql}: ${r.stderr}`);
  return r.stdout.trim();
}

async function startOnce(port, dataDir, env) {
  if (PG_ADMIN && !('PASSAGENT_DB' in env)) env = { ...env, PASSAGENT_DB: pgDatabaseFor(dataDir) };
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(BIN, ['serve'], {
    env: childEnv(
      {
        PASSAGENT_LISTEN: `127.0.0.1:${port}`,
        PASSAGENT_DATA_DIR: dataDir,
        PASSAGENT_PUBLIC_URL: url,
        PASSAGENT_RATE_LIMITS: 'off',
      },
      env,
    ),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let logs = '';
  child.stdout.on('data', (d) => { logs += d; });
  child.stderr.on('data', (d) => { logs += d; });
  const exited = new Promise((resolve) => {
    child.on('error', (e) => { logs += `\n[harness] spawn error: ${e.message}\n`; });
    child.on('close', (code, signal) => { live.delete(child); resolve({ code, signal }); });
  });
  let exitInfo = null;
  exited.then((info) => { exitInfo = info; });

  const deadline = Date.now() + 15000 * SLOW;
  for (;;) {
    if (exitInfo) return { ok: false, child, logs: () => logs, exitInfo };
    try {
      const r = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
      await r.arrayBuffer();
      if (r.status === 200) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      await exited;
      throw new Error(`passagent did not answer GET /healthz 200 within ${15 * SLOW}s.\nlogs:\n${logs}`);
    }
    await sleep(50);
  }
  return { ok: true, child, logs: () => logs, exited, getExit: () => exitInfo, url };
}

/**
 * Start `passagent serve` on a free port with a fresh (or given) data dir.
 * Options: env (overrides), dataDir (reuse; implies keepDataDir), keepDataDir,
 * port (listen there; for tests whose peers must know the URL beforehand).
 */
export async function startServer({ env = {}, dataDir, keepDataDir, port: fixedPort } = {}) {
  if (!fs.existsSync(BIN)) throw new Error(`passagent binary not found at ${BIN} (set PASSAGENT_BIN or run make)`);
  const ownDir = !dataDir;
  const dir = dataDir || fs.mkdtempSync(path.join(os.tmpdir(), 'passagent-bb-'));
  const keep = keepDataDir ?? !ownDir;
  let started;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = fixedPort ?? await freePort();
    started = await startOnce(port, dir, env);
    if (started.ok) {
      started.port = port;
      break;
    }
    const l = started.logs();
    // Retry only on a lost race for the port.
    if (!/in use|EADDRINUSE|bind/i.test(l) || attempt === 2) {
      if (ownDir && !keep) fs.rmSync(dir, { recursive: true, force: true });
      throw new Error(
        `passagent exited during startup (code ${started.exitInfo.code}, signal ${started.exitInfo.signal}).\nlogs:\n${l}`,
      );
    }
  }
  const { child, url, port, exited, getExit } = started;
  let stopped = null;
  const dbUrl = env.PASSAGENT_DB || (PG_ADMIN ? pgDatabaseFor(dir) : null);
  const srv = {
    url,
    port,
    dataDir: dir,
    dbUrl: dbUrl && dbUrl.startsWith('postgres') ? dbUrl : null,
    child,
    pid: child.pid,
    logs: started.logs,
    exitInfo: getExit,
    alive: () => getExit() === null,
    /** SIGTERM, wait for exit, remove data dir (unless kept). Resolves the exit code (null if killed by a signal). */
    async stop({ timeoutMs = 20000 * SLOW } = {}) {
      if (stopped) return stopped;
      stopped = (async () => {
        if (getExit() === null) child.kill('SIGTERM');
        let timer;
        const res = await Promise.race([
          exited,
          new Promise((r) => { timer = setTimeout(() => r('timeout'), timeoutMs); }),
        ]);
        clearTimeout(timer);
        if (!keep) fs.rmSync(dir, { recursive: true, force: true });
        if (res === 'timeout') {
          child.kill('SIGKILL');
          await exited;
          throw new Error(`passagent did not exit within ${timeoutMs}ms of SIGTERM`);
        }
        srv.exitSignal = res.signal;
        return res.code;
      })();
      return stopped;
    },
  };
  return srv;
}

/** Stop a server and assert it exited with 0 (used in after() hooks; catches crashes and sanitizer reports). */
export async function stopClean(srv) {
  if (!srv) return;
  const code = await srv.stop();
  assert.equal(code, 0, `passagent exited with code ${code} signal ${srv.exitSignal} on SIGTERM; log tail:\n${tail(srv.logs())}`);
}

export function tail(s, n = 4000) {
  return s.length > n ? '...' + s.slice(-n) : s;
}

export function uniqueEmail(prefix = 'user') {
  return `${prefix}-${crypto.randomBytes(6).toString('hex')}@example.com`;
}

export function randomPassword() {
  return `Pw-${crypto.randomBytes(12).toString('base64url')}`;
}

/**
 * HTTP request via fetch. opts: token (Bearer), cookie (full "name=value"), csrf,
 * body (JSON-encoded), rawBody (string/Buffer sent as is), headers.
 * Resolves {status, headers, json, text}.
 */
export async function api(srv, method, p, opts = {}) {
  const { token, cookie, csrf, body, rawBody, headers = {} } = opts;
  const h = {};
  if (token) h.authorization = `Bearer ${token}`;
  if (cookie) h.cookie = cookie;
  if (csrf !== undefined) h['x-csrf-token'] = csrf;
  let payload;
  if (rawBody !== undefined) {
    payload = rawBody;
    h['content-type'] = 'application/json';
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    h['content-type'] = 'application/json';
  }
  Object.assign(h, headers);
  let r;
  try {
    r = await fetch(srv.url + p, {
      method,
      headers: h,
      body: payload,
      redirect: 'manual',
      signal: AbortSignal.timeout(30000 * SLOW),
    });
  } catch (e) {
    const ex = srv.exitInfo && srv.exitInfo();
    const state = ex ? `server has exited (code ${ex.code}, signal ${ex.signal})` : 'server still running';
    throw new Error(`${method} ${p} failed: ${e.message} (${e.cause?.code || e.cause?.message || ''}); ${state}\nlog tail:\n${tail(srv.logs())}`);
  }
  const text = await r.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: r.status, headers: r.headers, json, text };
}

/** Extract "passagent_session=<value>" and attributes from a response. */
export function sessionCookie(res) {
  const all = res.headers.getSetCookie();
  const line = all.find((c) => c.trim().toLowerCase().startsWith(`${COOKIE_NAME}=`));
  if (!line) return null;
  const parts = line.split(';').map((s) => s.trim());
  const [pair, ...attrs] = parts;
  const value = pair.slice(pair.indexOf('=') + 1);
  const attributes = {};
  for (const a of attrs) {
    const i = a.indexOf('=');
    if (i === -1) attributes[a.toLowerCase()] = true;
    else attributes[a.slice(0, i).toLowerCase()] = a.slice(i + 1);
  }
  return { line, pair: `${COOKIE_NAME}=${value}`, value, attributes };
}

/**
 * Register a fresh user (random e-mail unless given) and fetch its CSRF token.
 * Returns {token, cookie, user, csrf, email, password, res}.
 * opts.csrf=false skips the csrf-token request.
 */
export async function register(srv, email, password, opts = {}) {
  email = email || uniqueEmail();
  password = password || randomPassword();
  const res = await api(srv, 'POST', '/api/auth/register', { body: { email, password } });
  assert.equal(res.status, 201, `register ${email}: expected 201, got ${res.status} ${res.text}`);
  const c = sessionCookie(res);
  const out = {
    token: res.json.token,
    cookie: c ? c.pair : `${COOKIE_NAME}=${res.json.token}`,
    user: res.json.user,
    email,
    password,
    res,
  };
  if (opts.csrf !== false) out.csrf = await csrfToken(srv, out.token);
  return out;
}

export async function login(srv, email, password) {
  const res = await api(srv, 'POST', '/api/auth/login', { body: { email, password } });
  assert.equal(res.status, 200, `login ${email}: expected 200, got ${res.status} ${res.text}`);
  return { token: res.json.token, user: res.json.user, res };
}

export async function csrfToken(srv, token) {
  const r = await api(srv, 'GET', '/api/auth/csrf-token', { token });
  assert.equal(r.status, 200, `csrf-token: expected 200, got ${r.status} ${r.text}`);
  assert.equal(typeof r.json?.csrfToken, 'string', `csrf-token body: ${r.text}`);
  return r.json.csrfToken;
}

/** Assert a JSON reply: Content-Type application/json and an X-Request-Id. */
export function assertJsonReply(res) {
  const ct = res.headers.get('content-type') || '';
  assert.match(ct, /^application\/json\b/i, `Content-Type should be application/json, got "${ct}" (status ${res.status}, body ${res.text})`);
  const rid = res.headers.get('x-request-id');
  assert.ok(rid && rid.trim().length > 0, `reply (status ${res.status}) lacks X-Request-Id`);
  assert.notEqual(res.json, undefined, `body is not JSON: ${JSON.stringify(res.text)}`);
}

/**
 * Assert the standard error envelope: exactly {error, code, status}, HTTP status
 * equal to body status, and optionally that `error` matches `mentions`.
 */
export function assertError(res, status, code, mentions) {
  assert.equal(res.status, status, `expected HTTP ${status} ${code}, got ${res.status}: ${res.text}`);
  assertJsonReply(res);
  const j = res.json;
  assert.ok(j && typeof j === 'object' && !Array.isArray(j), `error body must be an object: ${res.text}`);
  assert.deepEqual(Object.keys(j).sort(), ['code', 'error', 'status'], `error body must have exactly error, code, status: ${res.text}`);
  assert.equal(j.code, code, `error code: ${res.text}`);
  assert.equal(j.status, status, `body status must equal HTTP status: ${res.text}`);
  assert.equal(typeof j.error, 'string');
  assert.ok(j.error.trim().length > 0, 'error message must not be empty');
  if (mentions) assert.match(j.error, mentions, `error message should mention ${mentions}: ${res.text}`);
}

/**
 * Raw HTTP/1.1 exchange over a TCP socket, for things fetch cannot do
 * (lying Content-Length, hand-made chunked bodies, garbage).
 * `head`: request line + headers (without the final blank line).
 * `stages`: Buffers/strings of request body. The first is sent right after the
 *   head; each further one only after `stageDelayMs` without a reply. A server
 *   that refuses a body early and closes the connection resets it if more data
 *   keeps coming, and Node then drops the reply it had already received; not
 *   writing while a reply may be on its way avoids losing it. A server that
 *   needs the whole body still gets it, only later.
 * opts.expectContinue: the head carries "Expect: 100-continue"; the body
 *   stages start only after "100 Continue" (or 1 s of silence, RFC 9110 10.1.1).
 * Resolves {status, headers (lower-case names), body, raw, error, timedOut, stagesSent}.
 */
export function rawExchange(srv, head, stages = [], { timeoutMs = 15000 * SLOW, expectContinue = false, stageDelayMs = 1000 * SLOW } = {}) {
  return new Promise((resolve) => {
    const sock = net.connect(srv.port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    let done = false;
    let parsed = null;
    let sockErr = null;
    let timedOut = false;
    let stagesSent = 0;
    let stageTimer = null;
    let onInterim = null;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(stageTimer);
      sock.destroy();
      const res = parsed || parseResponse(buf) || { status: null, headers: {}, body: '' };
      resolve({ ...res, raw: buf.toString('latin1'), error: sockErr, timedOut, stagesSent });
    };
    const timer = setTimeout(() => { timedOut = true; finish(); }, timeoutMs);
    const nextStage = (prefix) => {
      if (done) return;
      const parts = prefix ? [prefix] : [];
      if (stagesSent < stages.length) parts.push(Buffer.from(stages[stagesSent++]));
      if (parts.length) sock.write(Buffer.concat(parts), () => {});
      if (stagesSent < stages.length) stageTimer = setTimeout(() => nextStage(), stageDelayMs);
    };
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      const p = parseResponse(buf);
      if (p && p.complete) { parsed = p; finish(); return; }
      if (onInterim && /^HTTP\/1\.[01] 100 /.test(buf.toString('latin1', 0, 13)) && buf.includes('\r\n\r\n')) {
        const go = onInterim;
        onInterim = null;
        go();
      }
    });
    sock.on('error', (e) => { sockErr = e.code || e.message; finish(); });
    sock.on('close', finish);
    sock.on('connect', () => {
      const headBuf = Buffer.from(head.replace(/\r?\n/g, '\r\n') + '\r\n\r\n');
      if (!expectContinue) { nextStage(headBuf); return; }
      sock.write(headBuf, () => {});
      const start = () => { clearTimeout(stageTimer); nextStage(); };
      onInterim = start;
      stageTimer = setTimeout(() => { onInterim = null; start(); }, 1000);
    });
  });
}

function parseResponse(buf) {
  const end = buf.indexOf('\r\n\r\n');
  if (end === -1) return null;
  const headText = buf.subarray(0, end).toString('latin1');
  const lines = headText.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]);
  if (!m) return null;
  const status = Number(m[1]);
  const headers = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  const rest = buf.subarray(end + 4);
  if (status === 100) {
    // Interim response: parse what follows it.
    return parseResponse(rest);
  }
  if (headers['content-length'] !== undefined) {
    const n = Number(headers['content-length']);
    return { status, headers, body: rest.subarray(0, n).toString('utf8'), complete: rest.length >= n };
  }
  if (/chunked/i.test(headers['transfer-encoding'] || '')) {
    let off = 0;
    const parts = [];
    for (;;) {
      const le = rest.indexOf('\r\n', off);
      if (le === -1) return { status, headers, body: Buffer.concat(parts).toString('utf8'), complete: false };
      const size = parseInt(rest.subarray(off, le).toString('latin1'), 16);
      if (Number.isNaN(size)) return { status, headers, body: '', complete: false };
      if (size === 0) return { status, headers, body: Buffer.concat(parts).toString('utf8'), complete: true };
      if (rest.length < le + 2 + size + 2) return { status, headers, body: Buffer.concat(parts).toString('utf8'), complete: false };
      parts.push(rest.subarray(le + 2, le + 2 + size));
      off = le + 2 + size + 2;
    }
  }
  return { status, headers, body: rest.toString('utf8'), complete: false };
}

/** Poll `srv.logs()` until `pred(logs)` holds (stdout may be written slightly after the reply). */
export async function waitForLogs(srv, pred, timeoutMs = 3000 * SLOW) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const l = srv.logs();
    if (pred(l)) return l;
    if (Date.now() > deadline) return l;
    await sleep(25);
  }
}
