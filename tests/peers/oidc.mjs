// A real OpenID Connect provider (oidc-provider 8, OpenID Certified) on
// loopback, playing Google (refresh tokens not rotated) or Microsoft
// (rotated on every use). Tests start it in-process and drive its real
// login and consent pages with a cookie jar (see consent()).
import http from 'node:http';
import Provider from 'oidc-provider';

export const GMAIL_SCOPES = ['https://www.googleapis.com/auth/gmail.readonly', 'https://www.googleapis.com/auth/gmail.modify'];
export const OUTLOOK_SCOPES = ['https://outlook.office.com/IMAP.AccessAsUser.All'];

function emailOf(login) {
  return login.includes('@') ? login : `${login}@example.com`;
}

/**
 * Start a provider. Options: clientId, clientSecret, redirectUris, rotate
 * (rotate refresh tokens), accessTtl (seconds), tokenDelayMs.
 * Returns {issuer, url, tokenRequests(), revocations, revokeAllGrants(),
 * setTokenDelay(ms), close()}.
 */
export async function startOidcPeer({ clientId, clientSecret, redirectUris, rotate = false, accessTtl = 3600, tokenDelayMs = 0 }) {
  const server = http.createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const grantIds = new Set();
  const revocations = [];
  let tokenRequests = 0;
  let delay = tokenDelayMs;

  const provider = new Provider(issuer, {
    clients: [{
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: redirectUris,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    }],
    pkce: { required: () => true, methods: ['S256'] },
    scopes: ['openid', 'email', 'profile', 'offline_access', ...GMAIL_SCOPES, ...OUTLOOK_SCOPES],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    findAccount: async (ctx, id) => ({
      accountId: id,
      claims: async () => ({ sub: id, email: emailOf(id), email_verified: true, name: id }),
    }),
    issueRefreshToken: async () => true,
    rotateRefreshToken: rotate,
    features: { revocation: { enabled: true }, devInteractions: { enabled: true }, userinfo: { enabled: true } },
    ttl: { AccessToken: accessTtl, AuthorizationCode: 60, IdToken: 3600, RefreshToken: 86400, Grant: 86400, Interaction: 3600, Session: 3600 },
    cookies: { keys: ['test-cookie-key-not-secret'] },
  });
  provider.proxy = false;
  provider.on('access_token.saved', (t) => grantIds.add(t.grantId));
  provider.on('refresh_token.saved', (t) => grantIds.add(t.grantId));
  provider.on('grant.revoked', (ctx, grantId) => revocations.push(grantId));
  const seen = new Set(); // every code, verifier and token that passed through
  provider.use(async (ctx, next) => {
    const isToken = ctx.path === '/token' && ctx.method === 'POST';
    if (isToken) {
      tokenRequests++;
      if (delay) await new Promise((r) => setTimeout(r, delay));
    }
    await next();
    if (isToken) {
      const p = ctx.oidc?.params || {};
      for (const k of ['code', 'code_verifier', 'refresh_token']) if (p[k]) seen.add(p[k]);
      const b = ctx.body || {};
      for (const k of ['access_token', 'refresh_token', 'id_token']) if (typeof b[k] === 'string') seen.add(b[k]);
    }
  });
  server.on('request', provider.callback());

  return {
    issuer,
    url: issuer,
    provider,
    revocations,
    seen,
    tokenRequests: () => tokenRequests,
    setTokenDelay(ms) { delay = ms; },
    /** The provider forgets every grant (the user revoked the app). */
    async revokeAllGrants() {
      for (const id of grantIds) {
        const g = await provider.Grant.find(id);
        if (g) await g.destroy();
      }
    },
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
  };
}

// ---- a browser, reduced to what the flow needs: a cookie jar and redirects ----

class Jar {
  constructor() { this.cookies = new Map(); }
  take(res) {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header() { return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '); }
}

async function step(jar, url, { method = 'GET', form } = {}) {
  const res = await fetch(url, {
    method,
    redirect: 'manual',
    headers: { cookie: jar.header(), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
    body: form ? new URLSearchParams(form).toString() : undefined,
  });
  jar.take(res);
  const text = await res.text();
  return { res, text, location: res.headers.get('location') ? new URL(res.headers.get('location'), url).href : null };
}

function formAction(html, base) {
  const m = html.match(/<form[^>]*action="([^"]+)"/);
  if (!m) throw new Error(`no form on the provider page: ${html.slice(0, 300)}`);
  return new URL(m[1].replace(/&amp;/g, '&'), base).href;
}

/**
 * Walk an authorization URL through the provider's login and consent pages
 * like a browser, and return the URL the provider finally redirects to (our
 * callback with code/state, or error=access_denied when deny is true).
 * stopAt: the callback URL prefix.
 */
export async function consent(authUrl, { login = 'alice', stopAt, deny = false } = {}) {
  const jar = new Jar();
  let url = authUrl;
  for (let i = 0; i < 20; i++) {
    if (stopAt && url.startsWith(stopAt)) return url;
    const r = await step(jar, url);
    if (r.location) { url = r.location; continue; }
    if (r.res.status !== 200) throw new Error(`provider answered ${r.res.status} at ${url}: ${r.text.slice(0, 300)}`);
    if (deny) { url = `${url.replace(/\/$/, '')}/abort`; continue; }
    const action = formAction(r.text, url);
    const form = /name="login"/.test(r.text)
      ? { prompt: 'login', login, password: 'any-password' }
      : { prompt: 'consent' };
    const s = await step(jar, action, { method: 'POST', form });
    if (!s.location) throw new Error(`provider did not redirect after ${form.prompt}: ${s.res.status} ${s.text.slice(0, 300)}`);
    url = s.location;
  }
  throw new Error('too many redirects in the provider flow');
}
