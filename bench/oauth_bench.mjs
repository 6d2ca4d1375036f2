// make bench, OAuth section: 100 callbacks in flight while the provider's
// token endpoint takes 2 s to answer. Reports the latency of
// GET /api/user-integrations measured meanwhile (p50/p99) and the time for
// all 100 callbacks to finish. Prints "name|value" lines for bench.sh.
import { startServer, register, api } from '../tests/blackbox/lib/server.mjs';
import { startGithubPeer } from '../tests/peers/github.mjs';

const N = Number(process.env.BENCH_OAUTH_CALLBACKS || 100);
const DELAY_MS = 2000;

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

const peer = await startGithubPeer({ clientId: 'bench-client', clientSecret: 'bench-secret', tokenDelayMs: DELAY_MS });
const srv = await startServer({
  env: {
    PASSAGENT_LOG_LEVEL: 'warn',
    PASSAGENT_GITHUB_CLIENT_ID: 'bench-client',
    PASSAGENT_GITHUB_CLIENT_SECRET: 'bench-secret',
    PASSAGENT_GITHUB_AUTH_URL: `${peer.url}/login/oauth/authorize`,
    PASSAGENT_GITHUB_TOKEN_URL: `${peer.url}/login/oauth/access_token`,
    PASSAGENT_GITHUB_EMAILS_URL: `${peer.url}/user/emails`,
    PASSAGENT_GITHUB_REVOKE_URL: `${peer.url}/applications/{client_id}/grant`,
  },
});
try {
  const users = [];
  for (let i = 0; i < 10; i++) users.push(await register(srv, undefined, undefined, { csrf: false }));
  // N pending authorizations, each approved at the provider: N callback URLs.
  const callbacks = [];
  for (let i = 0; i < N; i++) {
    const u = users[i % users.length];
    const a = await api(srv, 'GET', '/api/integrations/github/auth', { token: u.token });
    const r = await fetch(a.json.authUrl, { redirect: 'manual' });
    const loc = new URL(r.headers.get('location'));
    callbacks.push(loc.pathname + loc.search);
  }
  const t0 = performance.now();
  let done = false;
  const inflight = Promise.all(callbacks.map((p) => api(srv, 'GET', p))).then((rs) => { done = true; return rs; });
  const lat = [];
  const lister = users[0];
  while (!done) {
    const s = performance.now();
    const r = await api(srv, 'GET', '/api/user-integrations', { token: lister.token });
    lat.push(performance.now() - s);
    if (r.status !== 200) throw new Error(`list answered ${r.status}`);
  }
  const rs = await inflight;
  const total = (performance.now() - t0) / 1000;
  const ok = rs.filter((r) => r.status === 302 && /connected=github/.test(r.headers.get('location') || '')).length;
  console.log(`oauth callbacks completed (connected)|${ok}/${N}`);
  console.log(`oauth: ${N} callbacks, token endpoint 2 s: total s (target ~2)|${total.toFixed(2)}`);
  console.log(`oauth: GET /api/user-integrations meanwhile, samples|${lat.length}`);
  console.log(`oauth: ... p50 ms|${pct(lat, 50).toFixed(2)}`);
  console.log(`oauth: ... p99 ms (target < 20)|${pct(lat, 99).toFixed(2)}`);
} finally {
  await srv.stop();
  await peer.close();
}
