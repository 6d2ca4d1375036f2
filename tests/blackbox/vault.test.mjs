// The vault and the import's guarantees over HTTP: the generic-CSV byte
// cases one by one, limits (5 000 entries, body size), Idempotency-Key,
// atomicity under SIGKILL, listing, reveal (and its rate limit), delete, and
// isolation between users.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  startServer, stopClean, register, api, assertError, rawExchange, sleep, SLOW, dbExec,
} from './lib/server.mjs';
import { importJson, importMultipart, listAll, reveal } from './lib/vault.mjs';

const LIMITS = 'auth=100000/60,reveal=100000/60,general=1000000/60';

let srv;
before(async () => { srv = await startServer({ env: { PASSAGENT_RATE_LIMITS: LIMITS } }); });
after(async () => { await stopClean(srv); });

// Imports raw bytes as generic CSV for a fresh user.
async function importBytes(bytes, fields = { format: 'csv' }) {
  const u = await register(srv);
  const res = await importMultipart(srv, u, Buffer.from(bytes), fields);
  return { u, res };
}

async function secretsByName(u) {
  const out = {};
  for (const e of await listAll(srv, u)) out[e.name] = { ...e, ...(await reveal(srv, u, e.id)) };
  return out;
}

function chromeCsv(n, prefix = 'e') {
  const rows = ['name,url,username,password,note'];
  for (let i = 0; i < n; i++) rows.push(`${prefix}${i},https://site${i}.example/login,user${i},pw-${prefix}-${i},note ${i}`);
  return rows.join('\n') + '\n';
}

describe('generic CSV byte cases', () => {
  const header = 'name,url,username,password';
  const cases = {
    'LF line ends': `${header}\nA,https://a.example/,ua,pa\nB,https://b.example/,ub,pb\n`,
    'CRLF line ends': `${header}\r\nA,https://a.example/,ua,pa\r\nB,https://b.example/,ub,pb\r\n`,
    'CR CR LF line ends': `${header}\r\r\nA,https://a.example/,ua,pa\r\r\nB,https://b.example/,ub,pb\r\r\n`,
    'lone CR line ends': `${header}\rA,https://a.example/,ua,pa\rB,https://b.example/,ub,pb`,
    'UTF-8 BOM': `\uFEFF${header}\nA,https://a.example/,ua,pa\nB,https://b.example/,ub,pb\n`,
    'blank and whitespace-only lines': `${header}\n\nA,https://a.example/,ua,pa\n   \n\t\n\nB,https://b.example/,ub,pb\n\n`,
    'no final newline': `${header}\nA,https://a.example/,ua,pa\nB,https://b.example/,ub,pb`,
  };
  for (const [name, text] of Object.entries(cases)) {
    test(name, async () => {
      const { u, res } = await importBytes(text);
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.total, 2);
      assert.equal(res.json.imported, 2);
      const s = await secretsByName(u);
      assert.equal(s.A.password, 'pa');
      assert.equal(s.B.username, 'ub');
      assert.equal(s.B.password, 'pb');
    });
  }

  test('quoted fields: comma, doubled quotes, line breaks of every kind', async () => {
    const text = `${header}\n"Q,1",https://q.example/,"u""x","a,b""c""\r\nd\re\r\r\nf"\n`;
    const { u, res } = await importBytes(text);
    assert.equal(res.json.imported, 1, res.text);
    const s = await secretsByName(u);
    assert.equal(s['Q,1'].username, 'u"x');
    assert.equal(s['Q,1'].password, 'a,b"c"\nd\ne\nf');
  });

  test('semicolon-separated when the header proves it', async () => {
    const { u, res } = await importBytes('name;url;username;password\nS;https://s.example/;us;p,w\n');
    assert.equal(res.json.imported, 1, res.text);
    assert.equal((await secretsByName(u)).S.password, 'p,w');
  });

  test('a sep= first line sets the delimiter and line numbers still count it', async () => {
    const { res } = await importBytes('sep=;\nname;url;username;password\nA;https://a.example/;u;p;extra\n');
    assert.equal(res.json.failed, 1, res.text);
    assert.equal(res.json.problems[0].line, 3);
  });

  test('ragged rows are reported, not shifted', async () => {
    const text = `${header}\nShort,https://s.example/,us\nLong,https://l.example/,ul,pl,surplus\nOK,https://ok.example/,uo,po\n`;
    const { u, res } = await importBytes(text);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual([res.json.imported, res.json.failed], [2, 1]);
    const byLine = Object.fromEntries(res.json.problems.map((p) => [p.line, p.reason]));
    assert.match(byLine[2], /fewer fields/);
    assert.match(byLine[3], /more fields/);
    const s = await secretsByName(u);
    assert.equal(s.Short.password, '', 'a short row gets an empty password, nothing shifted in');
    assert.equal(s.OK.password, 'po');
    assert.equal(s.Long, undefined);
  });

  test('passwords are kept byte for byte: spaces, entities, backslashes', async () => {
    const { u } = await importBytes(`${header}\nP,https://p.example/,u,"  &amp; \\n\\\\ "\n`);
    assert.equal((await secretsByName(u)).P.password, '  &amp; \\n\\\\ ');
  });

  test('invalid UTF-8 is refused with its byte offset', async () => {
    const bytes = Buffer.concat([Buffer.from(`${header}\nA,https://a.example/,u,p`), Buffer.from([0xC3, 0x28]), Buffer.from('\n')]);
    const { u, res } = await importBytes(bytes);
    assertError(res, 400, 'IMPORT_ENCODING', new RegExp(`byte offset ${header.length + 25}\\b`));
    assert.equal((await listAll(srv, u)).length, 0);
  });

  test('a NUL byte is refused with its byte offset', async () => {
    const bytes = Buffer.from(`${header}\nA,https://a.example/,u,p\0w\n`);
    const { res } = await importBytes(bytes);
    assertError(res, 400, 'IMPORT_ENCODING', new RegExp(`NUL byte at byte offset ${header.length + 25}\\b`));
  });

  test('UTF-16BE with BOM is transcoded', async () => {
    const text = `${header}\nBE,https://be.example/,übe,pβ\n`;
    const le = Buffer.from(text, 'utf16le');
    const be = Buffer.alloc(le.length);
    for (let i = 0; i < le.length; i += 2) { be[i] = le[i + 1]; be[i + 1] = le[i]; }
    const { u, res } = await importBytes(Buffer.concat([Buffer.from([0xFE, 0xFF]), be]));
    assert.equal(res.json.imported, 1, res.text);
    const s = await secretsByName(u);
    assert.equal(s.BE.username, 'übe');
    assert.equal(s.BE.password, 'pβ');
  });

  test('an unterminated quote: 400 naming the line it opened, nothing imported', async () => {
    const { u, res } = await importBytes(`${header}\nA,https://a.example/,u,p\nB,https://b.example/,u,"open\nmore\n`);
    assertError(res, 400, 'IMPORT_PARSE_ERROR', /line 3\b/);
    assert.equal((await listAll(srv, u)).length, 0);
  });

  test('text after a closing quote fails that row only', async () => {
    const { res } = await importBytes(`${header}\nA,https://a.example/,u,"p"x\nB,https://b.example/,u,p\n`);
    assert.deepEqual([res.json.imported, res.json.failed], [1, 1], res.text);
    assert.equal(res.json.problems[0].line, 2);
  });

  test('header names in any case and order, with synonyms', async () => {
    const { u, res } = await importBytes(' Password ,LOGIN,Website,Title,Comments\npw1,me,https://w.example/,T,c\n');
    assert.equal(res.json.imported, 1, res.text);
    const t = (await secretsByName(u)).T;
    assert.deepEqual([t.username, t.url, t.password, t.notes], ['me', 'https://w.example/', 'pw1', 'c']);
  });
});

describe('limits', () => {
  test('5 000 entries import; 5 001 are refused with 413 and nothing imported', async () => {
    const u = await register(srv);
    const over = await importJson(srv, u, { format: 'chrome', data: chromeCsv(5001) });
    assertError(over, 413, 'IMPORT_TOO_MANY_ENTRIES', /5000/);
    assert.equal((await listAll(srv, u)).length, 0);
    const ok = await importJson(srv, u, { format: 'chrome', data: chromeCsv(5000) });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.imported, 5000);
    const page = await api(srv, 'GET', '/api/passwords?page=3&limit=2000', { token: u.token });
    assert.equal(page.json.data.length, 1000);
    assert.deepEqual(page.json.pagination, { page: 3, limit: 2000, total: 5000 });
  });

  test('a JSON array of 5 001 entries is refused too', async () => {
    const items = Array.from({ length: 5001 }, (_, i) => ({ name: `n${i}`, url: 'https://x.example/', username: `u${i}`, password: 'p' }));
    const res = await importJson(srv, await register(srv), { format: 'json', data: JSON.stringify(items) });
    assertError(res, 413, 'IMPORT_TOO_MANY_ENTRIES');
  });

  test('a body announced over the import limit: 413 before it is read', async () => {
    const u = await register(srv);
    const raw = await rawExchange(srv, [
      'POST /api/passwords/import HTTP/1.1', `Host: 127.0.0.1:${srv.port}`,
      `Authorization: Bearer ${u.token}`, `x-csrf-token: ${u.csrf}`,
      'Content-Type: application/json', `Content-Length: ${33 * 1024 * 1024}`,
    ].join('\r\n'));
    assert.equal(raw.status, 413);
  });

  test('list limit over 2000: 400 naming the parameter', async () => {
    const u = await register(srv);
    assertError(await api(srv, 'GET', '/api/passwords?limit=2001', { token: u.token }), 400, 'VALIDATION_ERROR', /limit/);
  });
});

describe('duplicates and idempotency', () => {
  test('re-importing the same file imports nothing new', async () => {
    const u = await register(srv);
    const data = chromeCsv(20);
    const a = await importJson(srv, u, { data });
    const b = await importJson(srv, u, { data });
    assert.deepEqual([a.json.imported, a.json.duplicates], [20, 0]);
    assert.deepEqual([b.json.imported, b.json.duplicates], [0, 20]);
    assert.equal((await listAll(srv, u)).length, 20);
  });

  test('a retried request with the same Idempotency-Key returns the first reply', async () => {
    const u = await register(srv);
    const body = { format: 'chrome', data: chromeCsv(10) };
    const headers = { 'Idempotency-Key': 'retry-1' };
    const a = await importJson(srv, u, body, headers);
    await importJson(srv, u, { format: 'chrome', data: chromeCsv(3, 'other') }); // changes the vault
    const b = await importJson(srv, u, body, headers);
    assert.equal(a.status, 200, a.text);
    assert.equal(b.status, 200, b.text);
    assert.deepEqual(b.json, a.json, 'the stored first reply, not duplicates');
    assert.equal(b.headers.get('idempotent-replayed'), 'true');
    assert.equal((await listAll(srv, u)).length, 13);
  });

  test('the same key with a different body: 409', async () => {
    const u = await register(srv);
    const headers = { 'Idempotency-Key': 'k-409' };
    assert.equal((await importJson(srv, u, { data: chromeCsv(2) }, headers)).status, 200);
    const r = await importJson(srv, u, { data: chromeCsv(3) }, headers);
    assertError(r, 409, 'IDEMPOTENCY_KEY_REUSED');
    assert.equal((await listAll(srv, u)).length, 2);
  });

  test('keys belong to one user', async () => {
    const headers = { 'Idempotency-Key': 'shared-key' };
    const a = await importJson(srv, await register(srv), { data: chromeCsv(2) }, headers);
    const b = await importJson(srv, await register(srv), { data: chromeCsv(2) }, headers);
    assert.equal(a.json.imported, 2);
    assert.equal(b.json.imported, 2);
  });

  test('keys survive a restart (kept in the database)', async () => {
    const s = await startServer({ env: { PASSAGENT_RATE_LIMITS: LIMITS }, keepDataDir: true });
    try {
      const u = await register(s);
      const headers = { 'Idempotency-Key': 'persist' };
      const a = await importJson(s, u, { data: chromeCsv(4) }, headers);
      await s.stop();
      const s2 = await startServer({ env: { PASSAGENT_RATE_LIMITS: LIMITS }, dataDir: s.dataDir });
      try {
        const b = await importJson(s2, u, { data: chromeCsv(4) }, headers);
        assert.deepEqual(b.json, a.json);
      } finally { await stopClean(s2); }
    } finally { fs.rmSync(s.dataDir, { recursive: true, force: true }); }
  });

  test('a malformed Idempotency-Key: 400', async () => {
    const r = await importJson(srv, await register(srv), { data: chromeCsv(1) }, { 'Idempotency-Key': 'x'.repeat(129) });
    assertError(r, 400, 'VALIDATION_ERROR', /Idempotency-Key/);
  });
});

describe('atomicity', () => {
  // The kill lands at a different point of the request each round (body
  // upload, parsing, sealing, the transaction); every outcome must be whole.
  for (const delayMs of [5, 25, 60, 120]) {
    test(`SIGKILL ${delayMs} ms into a 5 000-entry import leaves all or none, and a sound database`, async () => {
      const s = await startServer({ env: { PASSAGENT_RATE_LIMITS: LIMITS }, keepDataDir: true });
      const dir = s.dataDir;
      try {
        const u = await register(s);
        const pending = importJson(s, u, { format: 'chrome', data: chromeCsv(5000, 'crash') }).catch(() => null);
        await sleep(delayMs * SLOW);
        s.child.kill('SIGKILL');
        await pending;
        await s.stop().catch(() => {});
        if (s.dbUrl) {
          // PostgreSQL: the transaction left all rows or none.
          assert.ok(['0', '5000'].includes(dbExec(s, 'SELECT count(*) FROM vault_entries')));
        } else {
          const check = execFileSync('sqlite3', [path.join(dir, 'passagent.db'), 'PRAGMA integrity_check;']).toString().trim();
          assert.equal(check, 'ok');
        }
        const s2 = await startServer({ env: { PASSAGENT_RATE_LIMITS: LIMITS }, dataDir: dir });
        try {
          const r = await api(s2, 'GET', '/api/passwords?limit=1', { token: u.token });
          assert.equal(r.status, 200, r.text);
          assert.ok([0, 5000].includes(r.json.pagination.total), `vault holds ${r.json.pagination.total} entries`);
        } finally { await stopClean(s2); }
      } finally { fs.rmSync(dir, { recursive: true, force: true }); }
    });
  }
});

describe('vault endpoints', () => {
  test('list shape, no secrets, reveal, delete', async () => {
    const u = await register(srv);
    await importJson(srv, u, { format: 'lastpass', data: 'url,username,password,totp,extra,name,grouping,fav\nhttps://x.example/a,ux,px,JBSWY3DPEHPK3PXP,nx,X,Team\\Ops,1\n' });
    const r = await api(srv, 'GET', '/api/passwords', { token: u.token });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.pagination, { page: 1, limit: 1000, total: 1 });
    const e = r.json.data[0];
    for (const k of ['id', 'name', 'website', 'url', 'username', 'tags', 'has_totp', 'created_at', 'updated_at']) assert.ok(k in e, k);
    assert.deepEqual([e.name, e.website, e.url, e.username, e.tags, e.has_totp, e.favorite], ['X', 'x.example', 'https://x.example/a', 'ux', ['Team/Ops'], true, true]);
    assert.ok(!r.text.includes('px') && !r.text.includes('JBSWY3DPEHPK3PXP') && !r.text.includes('"nx"'));
    assert.deepEqual(await reveal(srv, u, e.id), { password: 'px', notes: 'nx', totp: 'JBSWY3DPEHPK3PXP' });
    const del = await api(srv, 'DELETE', `/api/passwords/${e.id}`, { token: u.token, csrf: u.csrf });
    assert.equal(del.status, 200, del.text);
    assertError(await api(srv, 'POST', `/api/passwords/${e.id}/reveal`, { token: u.token, csrf: u.csrf }), 404, 'NOT_FOUND');
    assertError(await api(srv, 'DELETE', `/api/passwords/${e.id}`, { token: u.token, csrf: u.csrf }), 404, 'NOT_FOUND');
  });

  test("another user's ids answer 404 and stay intact", async () => {
    const a = await register(srv);
    const b = await register(srv);
    await importJson(srv, a, { data: chromeCsv(1) });
    const [e] = await listAll(srv, a);
    assertError(await api(srv, 'POST', `/api/passwords/${e.id}/reveal`, { token: b.token, csrf: b.csrf }), 404, 'NOT_FOUND');
    assertError(await api(srv, 'DELETE', `/api/passwords/${e.id}`, { token: b.token, csrf: b.csrf }), 404, 'NOT_FOUND');
    assert.equal((await listAll(srv, b)).length, 0);
    assert.equal((await reveal(srv, a, e.id)).password, 'pw-e-0');
  });

  test('import, reveal and delete need the CSRF token; all need a session', async () => {
    const u = await register(srv);
    assertError(await api(srv, 'POST', '/api/passwords/import', { token: u.token, body: { data: chromeCsv(1) } }), 403, 'FORBIDDEN');
    assertError(await api(srv, 'GET', '/api/passwords'), 401, 'UNAUTHORIZED');
  });

  test('reveal is rate limited per user (reveal class)', async () => {
    const s = await startServer({ env: { PASSAGENT_RATE_LIMITS: 'auth=1000/60,reveal=3/60,general=100000/60' } });
    try {
      const u = await register(s);
      await importJson(s, u, { data: chromeCsv(1) });
      const [e] = await listAll(s, u);
      for (let i = 0; i < 3; i++) await reveal(s, u, e.id);
      const r = await api(s, 'POST', `/api/passwords/${e.id}/reveal`, { token: u.token, csrf: u.csrf });
      assertError(r, 429, 'RATE_LIMITED');
      assert.ok(Number(r.headers.get('retry-after')) > 0);
    } finally { await stopClean(s); }
  });

  test('multipart without a file part: 400 naming it', async () => {
    const u = await register(srv);
    const fd = new FormData();
    fd.append('format', 'csv');
    const r = await fetch(srv.url + '/api/passwords/import', { method: 'POST', headers: { authorization: `Bearer ${u.token}`, 'x-csrf-token': u.csrf }, body: fd });
    const text = await r.text();
    assertError({ status: r.status, headers: r.headers, text, json: JSON.parse(text) }, 400, 'VALIDATION_ERROR', /file/);
  });
});
