// Shared setup for the OAuth black-box tests: real peers (oidc-provider
// playing Google and Microsoft, the GitHub-style server) and a passagent
// configured to use them.
import assert from 'node:assert/strict';
import { startServer, freePort, api, register } from './server.mjs';
import { startOidcPeer, consent } from '../../peers/oidc.mjs';
import { startGithubPeer } from '../../peers/github.mjs';

export { consent };

export const CLIENT = {
  gmail: { id: 'gmail-client', secret: 'gmail-secret-0f3a9c71d2' },
  google: { id: 'google-client', secret: 'google-secret-7b1e44a0c9' },
  outlook: { id: 'outlook-client', secret: 'outlook-secret-5d2c8e1f60' },
  github: { id: 'github-client', secret: 'github-secret-a94c2e7b13' },
};

/**
 * Start peers and a passagent using them. opts: rotateOutlook (default
 * true), accessTtl, env (extra passagent env), tokenDelayMs, publicUrl (when
 * a load balancer fronts several instances: the URL users and providers
 * see). Returns {srv, env, google, microsoft, github, close()}.
 */
export async function startOAuthWorld(opts = {}) {
  const port = await freePort();
  const base = opts.publicUrl || `http://127.0.0.1:${port}`;
  const cb = (p) => `${base}/api/integrations/${p}/callback`;
  const google = await startOidcPeer({
    clientId: CLIENT.gmail.id, clientSecret: CLIENT.gmail.secret,
    redirectUris: [cb('gmail')], rotate: false, accessTtl: opts.accessTtl ?? 3600,
    tokenDelayMs: opts.tokenDelayMs ?? 0,
  });
  const google2 = await startOidcPeer({
    clientId: CLIENT.google.id, clientSecret: CLIENT.google.secret,
    redirectUris: [cb('google')], rotate: false, accessTtl: opts.accessTtl ?? 3600,
  });
  const microsoft = await startOidcPeer({
    clientId: CLIENT.outlook.id, clientSecret: CLIENT.outlook.secret,
    redirectUris: [cb('outlook')], rotate: opts.rotateOutlook ?? true, accessTtl: opts.accessTtl ?? 3600,
  });
  const github = await startGithubPeer({ clientId: CLIENT.github.id, clientSecret: CLIENT.github.secret });
  const env = {
    PASSAGENT_OAUTH_TIMEOUT: '3',
    ...oidcEnv('GMAIL', CLIENT.gmail, google, true),
    ...oidcEnv('GOOGLE', CLIENT.google, google2, true),
    ...oidcEnv('OUTLOOK', CLIENT.outlook, microsoft, false),
    PASSAGENT_GITHUB_CLIENT_ID: CLIENT.github.id,
    PASSAGENT_GITHUB_CLIENT_SECRET: CLIENT.github.secret,
    PASSAGENT_GITHUB_AUTH_URL: `${github.url}/login/oauth/authorize`,
    PASSAGENT_GITHUB_TOKEN_URL: `${github.url}/login/oauth/access_token`,
    PASSAGENT_GITHUB_EMAILS_URL: `${github.url}/user/emails`,
    PASSAGENT_GITHUB_REVOKE_URL: `${github.url}/applications/{client_id}/grant`,
    ...(opts.publicUrl ? { PASSAGENT_PUBLIC_URL: opts.publicUrl } : {}),
    ...(opts.env || {}),
  };
  const srv = await startServer({ env, port, dataDir: opts.dataDir });
  return {
    srv, env, google, google2, microsoft, github,
    async close() {
      await Promise.all([google.close(), google2.close(), microsoft.close(), github.close()]);
    },
  };
}

function oidcEnv(name, client, peer, revoke) {
  const e = {
    [`PASSAGENT_${name}_CLIENT_ID`]: client.id,
    [`PASSAGENT_${name}_CLIENT_SECRET`]: client.secret,
    [`PASSAGENT_${name}_AUTH_URL`]: `${peer.url}/auth`,
    [`PASSAGENT_${name}_TOKEN_URL`]: `${peer.url}/token`,
    [`PASSAGENT_${name}_USERINFO_URL`]: `${peer.url}/me`,
    [`PASSAGENT_${name}_ISSUER`]: peer.issuer,
  };
  if (revoke) e[`PASSAGENT_${name}_REVOKE_URL`] = `${peer.url}/token/revocation`;
  return e;
}

/** GET .../auth as the user; returns {authUrl, bindCookie (or null), res}. */
export async function authorize(srv, user, provider, { browser = false } = {}) {
  const res = await api(srv, 'GET', `/api/integrations/${provider}/auth`, browser ? { cookie: user.cookie } : { token: user.token });
  assert.equal(res.status, 200, `auth ${provider}: ${res.status} ${res.text}`);
  const line = res.headers.getSetCookie().find((c) => c.startsWith(`passagent_oauth_${provider}=`));
  return { authUrl: res.json.authUrl, bindCookie: line ? line.split(';')[0] : null, res };
}

/** Follow the provider back to our callback; returns {status, location, res}. */
export async function callback(srv, url, { cookie } = {}) {
  const u = new URL(url);
  const res = await api(srv, 'GET', u.pathname + u.search, cookie ? { cookie } : {});
  const location = res.headers.get('location');
  return { status: res.status, location: location ? new URL(location) : null, res };
}

/** Full connect through the provider's pages (GitHub approves at once). */
export async function connect(world, user, provider, { login = 'alice', browser = false } = {}) {
  const { authUrl, bindCookie } = await authorize(world.srv, user, provider, { browser });
  const back = await consent(authUrl, { login, stopAt: `${world.srv.url}/api/integrations/${provider}/callback` });
  const cookie = browser ? [user.cookie, bindCookie].filter(Boolean).join('; ') : undefined;
  const r = await callback(world.srv, back, { cookie });
  return { ...r, back, authUrl };
}

export async function listIntegrations(srv, user) {
  const r = await api(srv, 'GET', '/api/user-integrations', { token: user.token });
  assert.equal(r.status, 200, r.text);
  return r.json.integrations;
}

export { register, api };

/**
 * Assert that no secret that passed through (tokens, codes, verifiers,
 * client secrets, states) appears in the server's logs or in any file of its
 * data directory (database, WAL). Call before stopping the server.
 */
export async function assertNoSecrets(world, extra = []) {
  const fs = await import('node:fs');
  const path = await import('node:path');
  const secrets = new Set([...extra, ...Object.values(CLIENT).map((c) => c.secret)]);
  for (const peer of [world.google, world.google2, world.microsoft]) for (const s of peer.seen) secrets.add(s);
  for (const s of world.github.state.seen) secrets.add(s);
  const blobs = [['logs', world.srv.logs()]];
  for (const f of fs.readdirSync(world.srv.dataDir)) {
    blobs.push([f, fs.readFileSync(path.join(world.srv.dataDir, f)).toString('latin1')]);
  }
  let checked = 0;
  for (const s of secrets) {
    if (!s || s.length < 8) continue;
    checked++;
    for (const [name, text] of blobs) assert.ok(!text.includes(s), `a secret (${s.slice(0, 6)}...) appears in ${name}`);
  }
  return checked;
}
