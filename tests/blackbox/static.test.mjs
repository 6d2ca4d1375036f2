// The dashboard's files over plain HTTP: what is served, with which
// Content-Type and security headers; traversal in every spelling refused
// with the JSON error shape; PASSAGENT_WEB_DIR; the providers list the
// integrations page uses for its "not configured" state.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  startServer, stopClean, api, register, assertError, rawExchange, runCli, REPO_ROOT,
} from './lib/server.mjs';

const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
let srv;
before(async () => { srv = await startServer(); });
after(async () => { await stopClean(srv); });

function assertSecurityHeaders(h, what) {
  const get = (n) => (typeof h.get === 'function' ? h.get(n) : h[n]);
  assert.equal(get('content-security-policy'), CSP, `${what}: CSP`);
  assert.equal(get('x-frame-options'), 'DENY', `${what}: X-Frame-Options`);
  assert.equal(get('referrer-policy'), 'no-referrer', `${what}: Referrer-Policy`);
  assert.equal(get('x-content-type-options'), 'nosniff', `${what}: X-Content-Type-Options`);
}

describe('pages and assets', () => {
  const pages = [
    ['/', 'index.html'],
    ['/dashboard/integrations', 'integrations.html'],
    ['/dashboard/import', 'import.html'],
    ['/dashboard/vault', 'vault.html'],
  ];
  for (const [url, file] of pages) {
    test(`${url} serves web/${file} as HTML with the security headers`, async () => {
      const r = await api(srv, 'GET', url);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.headers.get('content-type'), 'text/html; charset=utf-8');
      assert.equal(r.text, fs.readFileSync(path.join(REPO_ROOT, 'web', file), 'utf8'));
      assertSecurityHeaders(r.headers, url);
      // The CSP forbids inline script: the page must not need any.
      assert.doesNotMatch(r.text, /<script(?![^>]*\bsrc=)[^>]*>/i, 'inline <script>');
      assert.doesNotMatch(r.text, /\son[a-z]+\s*=/i, 'inline event handler attribute');
      assert.doesNotMatch(r.text, /\sstyle\s*=/i, 'inline style attribute');
    });
  }

  test('every asset a page names is served with its content type', async () => {
    const seen = new Set();
    for (const f of fs.readdirSync(path.join(REPO_ROOT, 'web')).filter((n) => n.endsWith('.html'))) {
      const html = fs.readFileSync(path.join(REPO_ROOT, 'web', f), 'utf8');
      for (const m of html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)) seen.add(m[1]);
    }
    // Modules a script imports are assets too.
    for (const f of fs.readdirSync(path.join(REPO_ROOT, 'web', 'assets')).filter((n) => n.endsWith('.js'))) {
      const js = fs.readFileSync(path.join(REPO_ROOT, 'web', 'assets', f), 'utf8');
      for (const m of js.matchAll(/from '\.\/([^']+)'/g)) seen.add(`/assets/${m[1]}`);
    }
    assert.ok(seen.size >= 7, `only ${seen.size} assets referenced`);
    for (const url of seen) {
      const r = await api(srv, 'GET', url);
      assert.equal(r.status, 200, `${url}: ${r.text}`);
      const want = url.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8';
      assert.equal(r.headers.get('content-type'), want, url);
      assertSecurityHeaders(r.headers, url);
    }
  });

  test('/dashboard redirects to the integrations page', async () => {
    const r = await api(srv, 'GET', '/dashboard');
    assert.equal(r.status, 302);
    assert.equal(r.headers.get('location'), '/dashboard/integrations');
  });

  test('an unknown page or asset is 404 in the JSON error shape, still with the headers', async () => {
    for (const url of ['/dashboard/nope', '/assets/nope.js', '/assets/nope', '/dashboard/index.html']) {
      const r = await api(srv, 'GET', url);
      assertError(r, 404, 'NOT_FOUND');
      assertSecurityHeaders(r.headers, url);
    }
  });

  test('other methods are 405 with Allow: GET', async () => {
    const r = await api(srv, 'POST', '/dashboard/vault', { body: {} });
    assertError(r, 405, 'METHOD_NOT_ALLOWED');
    assert.equal(r.headers.get('allow'), 'GET');
  });
});

describe('path traversal', () => {
  // Sent byte for byte over a socket: fetch would normalise the dots away.
  const targets = [
    '/dashboard/../../etc/passwd',
    '/dashboard/..%2f..%2fetc%2fpasswd',
    '/dashboard/..%2F..%2F..%2Fetc%2Fpasswd',
    '/dashboard/%2e%2e/%2e%2e/etc/passwd',
    '/assets/../../etc/passwd',
    '/assets/..%2f..%2fsrc%2fmain.c',
    '/assets/%2e%2e%2f%2e%2e%2fMakefile',
    '/assets/..',
    '/assets/%2e%2e',
    '/assets/.hidden.js',
    '/assets/..%5c..%5cetc%5cpasswd',
    '/assets/%252e%252e%252fMakefile',
    '/assets/api.js%2f..%2f..%2fMakefile',
    '/dashboard/..%2fassets%2fapi',
    '/../../etc/passwd',
  ];
  for (const t of targets) {
    test(`${t} is refused`, async () => {
      const r = await rawExchange(srv, `GET ${t} HTTP/1.1\nHost: x\nConnection: close`);
      assert.equal(r.status, 404, `${t}: ${r.raw.slice(0, 300)}`);
      assert.match(r.headers['content-type'] || '', /^application\/json/);
      const j = JSON.parse(r.body);
      assert.equal(j.code, 'NOT_FOUND');
      assert.equal(j.status, 404);
      assert.doesNotMatch(r.body, /root:|#include|passagent — build/);
    });
  }

  test('a symlink inside the web folder is not followed', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'passagent-web-'));
    fs.mkdirSync(path.join(dir, 'assets'));
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>own</title>');
    fs.symlinkSync('/etc/passwd', path.join(dir, 'assets', 'leak.txt'));
    fs.symlinkSync('/etc/hostname', path.join(dir, 'other.html'));
    const s2 = await startServer({ env: { PASSAGENT_WEB_DIR: dir } });
    try {
      const own = await api(s2, 'GET', '/');
      assert.equal(own.status, 200);
      assert.equal(own.text, '<!doctype html><title>own</title>');
      assertError(await api(s2, 'GET', '/assets/leak.txt'), 404, 'NOT_FOUND');
      assertError(await api(s2, 'GET', '/dashboard/other'), 404, 'NOT_FOUND');
    } finally {
      await stopClean(s2);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('settings and the providers list', () => {
  test('PASSAGENT_WEB_DIR that is not a folder stops start-up with one line', async () => {
    const r = await runCli(['serve'], { env: { PASSAGENT_WEB_DIR: '/nonexistent/web', PASSAGENT_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'pa-')) } });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr + r.stdout, /PASSAGENT_WEB_DIR/);
  });

  test('GET /api/integrations/providers tells which providers are configured, and needs a session', async () => {
    assertError(await api(srv, 'GET', '/api/integrations/providers'), 401, 'UNAUTHORIZED');
    const u = await register(srv);
    const r = await api(srv, 'GET', '/api/integrations/providers', { token: u.token });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.json), ['providers']);
    const names = r.json.providers.map((p) => p.provider).sort();
    assert.deepEqual(names, ['github', 'gmail', 'google', 'outlook']);
    for (const p of r.json.providers) assert.equal(p.configured, false, `${p.provider} has no credentials here`);
    const s2 = await startServer({ env: { PASSAGENT_GITHUB_CLIENT_ID: 'id', PASSAGENT_GITHUB_CLIENT_SECRET: 'sec-ret-123' } });
    try {
      const u2 = await register(s2);
      const r2 = await api(s2, 'GET', '/api/integrations/providers', { token: u2.token });
      const gh = r2.json.providers.find((p) => p.provider === 'github');
      assert.equal(gh.configured, true);
      assert.ok(!r2.text.includes('sec-ret-123') && !r2.text.includes('"id"'), 'no credentials in the reply');
    } finally {
      await stopClean(s2);
    }
  });
});
