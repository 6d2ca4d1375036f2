// Error envelope, routing (404/405), body validation and size limits (400/413),
// health check, request ids, robustness against garbage.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, stopClean, api, register, uniqueEmail, randomPassword, rawExchange,
  assertError, assertJsonReply,
} from './lib/server.mjs';

// Turn a rawExchange() result into the shape assertError() expects.
function asRes(raw) {
  let json;
  try { json = JSON.parse(raw.body); } catch { json = undefined; }
  return { status: raw.status, headers: new Headers(raw.headers), text: raw.body, json };
}

async function assertAlive(srv) {
  const r = await api(srv, 'GET', '/healthz');
  assert.equal(r.status, 200, `server must keep serving: ${r.text}`);
}

// A body of `total` bytes that starts like a real request.
function bigBody(first, total) {
  const f = Buffer.from(first);
  return Buffer.concat([f, Buffer.alloc(total - f.length, 0x61)]);
}

function chunkedFrames(data, size = 4096) {
  const frames = [];
  for (let off = 0; off < data.length; off += size) {
    const part = data.subarray(off, off + size);
    frames.push(Buffer.from(part.length.toString(16) + '\r\n'), part, Buffer.from('\r\n'));
  }
  frames.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(frames);
}

// Send an oversized request and return the reply (as for api()). The body
// goes in two stages: a first part already over the 16 KiB limit, and the rest
// only if the server has not answered after a pause (see rawExchange).
async function sendOversized(srv, head, body, opts = {}) {
  const cut = Math.min(body.length, 20 * 1024);
  const stages = cut < body.length ? [body.subarray(0, cut), body.subarray(cut)] : [body];
  const raw = await rawExchange(srv, head, stages, opts);
  assert.ok(raw.status !== null,
    `no reply to an oversized body (socket: ${raw.error}, timed out: ${raw.timedOut}, body parts sent: ${raw.stagesSent}/${stages.length})`);
  return asRes(raw);
}

describe('errors and routing', () => {
  let srv;
  let u;
  before(async () => {
    srv = await startServer();
    u = await register(srv);
  });
  after(async () => { await stopClean(srv); });

  test('GET /healthz answers 200 {"status":"ok"} as JSON with a request id', async () => {
    const r = await api(srv, 'GET', '/healthz');
    assert.equal(r.status, 200);
    assertJsonReply(r);
    assert.deepEqual(r.json, { status: 'ok' });
  });

  test('every reply carries a distinct X-Request-Id', async () => {
    const ids = new Set();
    const replies = [
      await api(srv, 'GET', '/healthz'),
      await api(srv, 'GET', '/healthz'),
      await api(srv, 'GET', '/nope'),
      await api(srv, 'GET', '/api/auth/session'),
      await api(srv, 'GET', '/api/auth/session', { token: u.token }),
      await api(srv, 'DELETE', '/api/auth/login'),
    ];
    for (const r of replies) {
      const id = r.headers.get('x-request-id');
      assert.ok(id && id.length > 0, `missing X-Request-Id on ${r.status}`);
      ids.add(id);
    }
    assert.equal(ids.size, replies.length, `request ids must be unique: ${[...ids]}`);
  });

  test('unknown paths give 404 NOT_FOUND in the error envelope', async () => {
    for (const p of ['/nope', '/api', '/api/does-not-exist', '/api/auth/register/extra', '/api/auth', '/healthzz']) {
      assertError(await api(srv, 'GET', p), 404, 'NOT_FOUND');
    }
    assertError(await api(srv, 'POST', '/api/does-not-exist', { token: u.token, csrf: u.csrf, body: {} }), 404, 'NOT_FOUND');
    assertError(await api(srv, 'GET', '/api/does-not-exist', { token: u.token }), 404, 'NOT_FOUND');
  });

  test('known path with the wrong method gives 405 METHOD_NOT_ALLOWED with an Allow header', async () => {
    const cases = [
      ['DELETE', '/api/auth/login', 'POST'],
      ['GET', '/api/auth/login', 'POST'],
      ['PUT', '/api/auth/register', 'POST'],
      ['GET', '/api/auth/logout', 'POST'],
      ['POST', '/api/auth/session', 'GET'],
      ['DELETE', '/api/auth/csrf-token', 'GET'],
      ['POST', '/healthz', 'GET'],
      ['PUT', '/api/user-integrations', 'GET'],
      ['PATCH', '/api/user-integrations', 'GET'],
    ];
    for (const [method, p, allowed] of cases) {
      // Send valid credentials and CSRF so that only the method can be wrong.
      const r = await api(srv, method, p, { token: u.token, csrf: u.csrf });
      assertError(r, 405, 'METHOD_NOT_ALLOWED');
      const allow = r.headers.get('allow');
      assert.ok(allow, `${method} ${p}: 405 needs an Allow header`);
      const methods = allow.split(',').map((s) => s.trim().toUpperCase());
      assert.ok(methods.includes(allowed), `${method} ${p}: Allow "${allow}" should list ${allowed}`);
      assert.ok(!methods.includes(method), `${method} ${p}: Allow "${allow}" must not list the refused method`);
    }
    // Without credentials too: a wrong method is a routing error, not an auth error.
    assertError(await api(srv, 'DELETE', '/api/auth/login'), 405, 'METHOD_NOT_ALLOWED');
  });

  test('unknown provider gives 404 naming the supported providers', async () => {
    const r = await api(srv, 'GET', '/api/integrations/myspace/auth', { token: u.token });
    assertError(r, 404, 'NOT_FOUND');
    for (const p of ['gmail', 'outlook', 'github', 'google']) {
      assert.match(r.json.error, new RegExp(p), `error should name provider ${p}: ${r.json.error}`);
    }
  });

  test('malformed JSON is 400 VALIDATION_ERROR', async () => {
    const bodies = [
      '{"email":',
      '{email: "a@example.com", password: "abcdefgh1"}',
      `{"email":"${uniqueEmail()}","password":"abcdefgh1"}trailing`,
      `{"email":"${uniqueEmail()}","password":"abcdefgh1",}`,
      `{"email":"${uniqueEmail()}","password":'abcdefgh1'}`,
      '',
      '   ',
    ];
    for (const p of ['/api/auth/register', '/api/auth/login']) {
      for (const rawBody of bodies) {
        const r = await api(srv, 'POST', p, { rawBody });
        assertError(r, 400, 'VALIDATION_ERROR');
      }
    }
  });

  test('JSON that is not an object is 400', async () => {
    const pw = randomPassword();
    for (const rawBody of ['[]', '"a@example.com"', 'null', '42', 'true', `[{"email":"${uniqueEmail()}","password":"${pw}"}]`]) {
      assertError(await api(srv, 'POST', '/api/auth/register', { rawBody }), 400, 'VALIDATION_ERROR');
      assertError(await api(srv, 'POST', '/api/auth/login', { rawBody }), 400, 'VALIDATION_ERROR');
    }
  });

  test('wrong field types give 400 naming the field', async () => {
    const pw = randomPassword();
    for (const email of [5, null, true, ['a@example.com'], { v: 'a@example.com' }]) {
      assertError(await api(srv, 'POST', '/api/auth/register', { body: { email, password: pw } }), 400, 'VALIDATION_ERROR', /email/i);
      assertError(await api(srv, 'POST', '/api/auth/login', { body: { email, password: pw } }), 400, 'VALIDATION_ERROR', /email/i);
    }
    for (const password of [12345678, null, false, ['abcdefgh1'], { v: 'abcdefgh1' }]) {
      assertError(await api(srv, 'POST', '/api/auth/register', { body: { email: uniqueEmail(), password } }), 400, 'VALIDATION_ERROR', /password/i);
      assertError(await api(srv, 'POST', '/api/auth/login', { body: { email: u.email, password } }), 400, 'VALIDATION_ERROR', /password/i);
    }
  });

  test('missing fields give 400 naming the field', async () => {
    assertError(await api(srv, 'POST', '/api/auth/register', { body: { password: randomPassword() } }), 400, 'VALIDATION_ERROR', /email/i);
    assertError(await api(srv, 'POST', '/api/auth/register', { body: { email: uniqueEmail() } }), 400, 'VALIDATION_ERROR', /password/i);
    assertError(await api(srv, 'POST', '/api/auth/register', { body: {} }), 400, 'VALIDATION_ERROR', /email|password/i);
  });

  test('duplicate keys are rejected with 400 and create no account', async () => {
    const e1 = uniqueEmail('dup1');
    const e2 = uniqueEmail('dup2');
    const pw = randomPassword();
    const r = await api(srv, 'POST', '/api/auth/register', { rawBody: `{"email":"${e1}","email":"${e2}","password":"${pw}"}` });
    assertError(r, 400, 'VALIDATION_ERROR');
    const r2 = await api(srv, 'POST', '/api/auth/register', { rawBody: `{"email":"${e1}","password":"x","password":"${pw}"}` });
    assertError(r2, 400, 'VALIDATION_ERROR');
    for (const email of [e1, e2]) {
      assertError(await api(srv, 'POST', '/api/auth/login', { body: { email, password: pw } }), 401, 'UNAUTHORIZED');
    }
  });

  test('invalid UTF-8 in the body is 400', async () => {
    const cases = [
      [0xff],             // never valid
      [0xc3, 0x28],       // bad continuation
      [0xc0, 0xaf],       // overlong "/"
      [0xed, 0xa0, 0x80], // UTF-16 surrogate encoded in UTF-8
      [0xe2, 0x82],       // truncated sequence
    ];
    for (const bad of cases) {
      const email = Buffer.concat([Buffer.from('u'), Buffer.from(bad), Buffer.from(`${Date.now()}@example.com`)]);
      const rawBody = Buffer.concat([Buffer.from('{"email":"'), email, Buffer.from(`","password":"${randomPassword()}"}`)]);
      assertError(await api(srv, 'POST', '/api/auth/register', { rawBody }), 400, 'VALIDATION_ERROR');
      const rawBody2 = Buffer.concat([Buffer.from(`{"email":"${uniqueEmail()}","password":"abc`), Buffer.from(bad), Buffer.from('defghij"}')]);
      assertError(await api(srv, 'POST', '/api/auth/register', { rawBody: rawBody2 }), 400, 'VALIDATION_ERROR');
    }
  });

  test('an e-mail with an embedded NUL is rejected', async () => {
    const r = await api(srv, 'POST', '/api/auth/register', { rawBody: `{"email":"${uniqueEmail()}\\u0000@evil.example","password":"${randomPassword()}"}` });
    assertError(r, 400, 'VALIDATION_ERROR');
  });

  test('deeply nested JSON is refused with 400 and does not crash the server', async () => {
    const depth = 5000;
    const r = await api(srv, 'POST', '/api/auth/register', { rawBody: '['.repeat(depth) + ']'.repeat(depth) });
    assertError(r, 400, 'VALIDATION_ERROR');
    const r2 = await api(srv, 'POST', '/api/auth/login', { rawBody: '{"a":'.repeat(2000) + '1' + '}'.repeat(2000) });
    assertError(r2, 400, 'VALIDATION_ERROR');
    await assertAlive(srv);
  });

  test('a body of exactly 16 KiB is read (validated, not 413); one byte more is 413', async () => {
    const prefix = `{"email":"${uniqueEmail()}","password":"`;
    const suffix = '"}';
    const fill = 16384 - prefix.length - suffix.length;
    const exact = prefix + 'p'.repeat(fill) + suffix;
    assert.equal(Buffer.byteLength(exact), 16384);
    const r = await api(srv, 'POST', '/api/auth/register', { rawBody: exact });
    assertError(r, 400, 'VALIDATION_ERROR', /password/i);

    const over = prefix + 'p'.repeat(fill + 1) + suffix;
    const r413 = await sendOversized(srv,
      `POST /api/auth/register HTTP/1.1\nHost: 127.0.0.1:${srv.port}\nContent-Type: application/json\nContent-Length: ${Buffer.byteLength(over)}`,
      Buffer.from(over));
    assertError(r413, 413, 'PAYLOAD_TOO_LARGE');
    await assertAlive(srv);
  });

  test('a 1 MiB body announced by Content-Length gets 413 and the server stays up', async () => {
    const total = 1024 * 1024;
    const r = await sendOversized(srv,
      `POST /api/auth/register HTTP/1.1\nHost: 127.0.0.1:${srv.port}\nContent-Type: application/json\nContent-Length: ${total}`,
      bigBody(`{"email":"${uniqueEmail()}","password":"`, total));
    assertError(r, 413, 'PAYLOAD_TOO_LARGE');
    await assertAlive(srv);
    // The same holds on an authenticated route, and the refused request has no effect.
    const r2 = await sendOversized(srv,
      `POST /api/auth/logout HTTP/1.1\nHost: 127.0.0.1:${srv.port}\nAuthorization: Bearer ${u.token}\nx-csrf-token: ${u.csrf}\nContent-Type: application/json\nContent-Length: ${total}`,
      bigBody('{"pad":"', total));
    assertError(r2, 413, 'PAYLOAD_TOO_LARGE');
    await assertAlive(srv);
    const s = await api(srv, 'GET', '/api/auth/session', { token: u.token });
    assert.equal(s.status, 200, 'a refused oversized logout must not log the user out');
  });

  test('a client that sends Expect: 100-continue with a 1 MiB Content-Length gets 413', async () => {
    const total = 1024 * 1024;
    const r = await sendOversized(srv,
      `POST /api/auth/register HTTP/1.1\nHost: 127.0.0.1:${srv.port}\nContent-Type: application/json\nContent-Length: ${total}\nExpect: 100-continue`,
      bigBody(`{"email":"${uniqueEmail()}","password":"`, total), { expectContinue: true });
    assertError(r, 413, 'PAYLOAD_TOO_LARGE');
    await assertAlive(srv);
  });

  test('an oversized chunked body (no Content-Length) gets 413 and the server stays up', async () => {
    const data = bigBody(`{"email":"${uniqueEmail()}","password":"`, 1024 * 1024);
    const r = await sendOversized(srv,
      `POST /api/auth/register HTTP/1.1\nHost: 127.0.0.1:${srv.port}\nContent-Type: application/json\nTransfer-Encoding: chunked`,
      chunkedFrames(data));
    assertError(r, 413, 'PAYLOAD_TOO_LARGE');
    await assertAlive(srv);
    // Just over the limit, chunked: the count is of decoded body bytes.
    const prefix = `{"email":"${uniqueEmail()}","password":"`;
    const over = Buffer.from(prefix + 'p'.repeat(16385 - prefix.length - 2) + '"}');
    assert.equal(over.length, 16385);
    const r2 = await sendOversized(srv,
      `POST /api/auth/register HTTP/1.1\nHost: 127.0.0.1:${srv.port}\nContent-Type: application/json\nTransfer-Encoding: chunked`,
      chunkedFrames(over, 1000));
    assertError(r2, 413, 'PAYLOAD_TOO_LARGE');
    await assertAlive(srv);
  });

  test('a small chunked body, arriving in two parts, is accepted like any other', async () => {
    const body = Buffer.from(JSON.stringify({ email: uniqueEmail('chunk'), password: randomPassword() }));
    const half = Math.floor(body.length / 2);
    const parts = [body.subarray(0, half), body.subarray(half)];
    const frames = parts.map((p) => Buffer.concat([Buffer.from(p.length.toString(16) + '\r\n'), p, Buffer.from('\r\n')]));
    frames.push(Buffer.from('0\r\n\r\n'));
    const raw = await rawExchange(srv,
      `POST /api/auth/register HTTP/1.1\nHost: 127.0.0.1:${srv.port}\nContent-Type: application/json\nTransfer-Encoding: chunked\nConnection: close`,
      [frames[0], Buffer.concat(frames.slice(1))], { stageDelayMs: 200 });
    assert.equal(raw.status, 201, `chunked register: ${raw.raw.slice(0, 500)}`);
  });

  test('garbage on the socket does not take the server down', async () => {
    const garbage = [
      'GARBAGE',
      'GET /healthz HTTP/9.9',
      'POST /api/auth/login HTTP/1.1\nHost: x\nContent-Length: -5',
      'POST /api/auth/login HTTP/1.1\nHost: x\nContent-Length: abc',
      `GET /${'a'.repeat(20000)} HTTP/1.1\nHost: x`,
      `GET /healthz HTTP/1.1\nHost: x\nX-Big: ${'b'.repeat(64 * 1024)}`,
    ];
    for (const head of garbage) {
      const raw = await rawExchange(srv, head, [], { timeoutMs: 3000 });
      if (raw.status !== null) assert.ok(raw.status >= 400, `${head.slice(0, 40)}: got ${raw.status}`);
      await assertAlive(srv);
    }
  });
});
