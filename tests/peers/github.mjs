// A GitHub-style OAuth server for tests: a real HTTP server that behaves
// like GitHub's OAuth apps — it approves at once (an app the user already
// authorised), answers the token endpoint form-encoded unless asked for
// JSON, reports errors with HTTP 200 and an `error` field, issues tokens
// that do not expire and no refresh token, serves GET /user/emails, and
// deletes grants on DELETE /applications/{client_id}/grant with Basic auth.
import http from 'node:http';
import crypto from 'node:crypto';

function readBody(req) {
  return new Promise((resolve) => {
    const parts = [];
    req.on('data', (d) => parts.push(d));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
  });
}

/**
 * Options: clientId, clientSecret, login (e-mail user), tokenDelayMs.
 * mode (settable): 'normal' | 'slow' (token reply after slowMs) | 'garbage'
 * (malformed JSON) | 'huge' (a 1 MiB reply) | 'error200' (bad_verification_code with HTTP 200).
 */
export async function startGithubPeer({ clientId, clientSecret, email = 'octo@example.com', tokenDelayMs = 0 }) {
  const codes = new Map();   // code -> {challenge, redirectUri}
  const tokens = new Set();  // live access tokens
  const state = { mode: 'normal', slowMs: 5000, delay: tokenDelayMs, tokenRequests: 0, grantDeletions: [], emailsCalls: 0, seen: new Set() };

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    const body = await readBody(req);
    const reply = (status, text, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type });
      res.end(text);
    };
    if (req.method === 'GET' && url.pathname === '/login/oauth/authorize') {
      const q = url.searchParams;
      if (q.get('client_id') !== clientId) return reply(404, '{"error":"not found"}');
      if (q.get('code_challenge_method') !== 'S256') return reply(400, '{"error":"pkce required"}');
      const code = crypto.randomBytes(10).toString('hex');
      codes.set(code, { challenge: q.get('code_challenge'), redirectUri: q.get('redirect_uri') });
      const to = new URL(q.get('redirect_uri'));
      to.searchParams.set('code', code);
      to.searchParams.set('state', q.get('state'));
      res.writeHead(302, { location: to.href });
      return res.end();
    }
    if (req.method === 'POST' && url.pathname === '/login/oauth/access_token') {
      state.tokenRequests++;
      if (state.delay) await new Promise((r) => setTimeout(r, state.delay));
      const p = new URLSearchParams(body);
      for (const k of ['code', 'code_verifier']) if (p.get(k)) state.seen.add(p.get(k));
      const json = /application\/json/.test(req.headers.accept || '');
      const send = (obj) => json
        ? reply(200, JSON.stringify(obj))
        : reply(200, new URLSearchParams(obj).toString(), 'application/x-www-form-urlencoded');
      if (state.mode === 'slow') await new Promise((r) => setTimeout(r, state.slowMs));
      if (state.mode === 'garbage') return reply(200, '{"access_token": "gho_x", "token_type": ');
      if (state.mode === 'huge') return reply(200, JSON.stringify({ access_token: 'gho_' + 'x'.repeat(1 << 20) }));
      if (state.mode === 'error200') return send({ error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.' });
      if (p.get('client_id') !== clientId || p.get('client_secret') !== clientSecret) return send({ error: 'incorrect_client_credentials' });
      const c = codes.get(p.get('code'));
      codes.delete(p.get('code'));
      if (!c) return send({ error: 'bad_verification_code' });
      if (c.redirectUri !== p.get('redirect_uri')) return send({ error: 'redirect_uri_mismatch' });
      const challenge = crypto.createHash('sha256').update(p.get('code_verifier') || '').digest('base64url');
      if (challenge !== c.challenge) return send({ error: 'bad_verification_code' });
      const token = 'gho_' + crypto.randomBytes(18).toString('base64url');
      tokens.add(token);
      state.seen.add(token);
      return send({ access_token: token, token_type: 'bearer', scope: 'read:user,user:email' });
    }
    if (req.method === 'GET' && url.pathname === '/user/emails') {
      state.emailsCalls++;
      const m = (req.headers.authorization || '').match(/^(?:Bearer|token) (.+)$/);
      if (!m || !tokens.has(m[1])) return reply(401, '{"message":"Bad credentials"}');
      return reply(200, JSON.stringify([
        { email: 'secondary@example.com', primary: false, verified: true, visibility: null },
        { email: 'unverified@example.com', primary: true, verified: false, visibility: null },
        { email, primary: true, verified: true, visibility: 'private' },
      ]));
    }
    const grant = url.pathname.match(/^\/applications\/([^/]+)\/grant$/);
    if (req.method === 'DELETE' && grant) {
      const basic = Buffer.from((req.headers.authorization || '').replace(/^Basic /, ''), 'base64').toString();
      if (grant[1] !== clientId || basic !== `${clientId}:${clientSecret}`) return reply(401, '{"message":"Requires authentication"}');
      let token;
      try { token = JSON.parse(body).access_token; } catch { return reply(422, '{"message":"Invalid request"}'); }
      if (!tokens.delete(token)) return reply(404, '{"message":"Not Found"}');
      state.grantDeletions.push(token);
      res.writeHead(204);
      return res.end();
    }
    reply(404, '{"message":"Not Found"}');
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    state,
    tokens,
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
  };
}
