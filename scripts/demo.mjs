// make demo — passagent with every integration working on one machine, all
// on loopback: the local OpenID provider (tests/peers/oidc.mjs) playing
// Gmail, Google and Outlook, the GitHub-style server, and a Dovecot mailbox
// with a demo account. Prints the URL and the demo credentials; Ctrl-C
// stops everything and removes the throw-away data.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startOidcPeer } from '../tests/peers/oidc.mjs';
import { startGithubPeer } from '../tests/peers/github.mjs';
import { startDovecot } from '../tests/peers/dovecot.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PORT = Number(process.env.DEMO_PORT || 3000);
const BASE = `http://127.0.0.1:${PORT}`;
const MAILBOX = { user: 'demo@example.test', password: 'demo-mail-pass' };
const ACCOUNT = { email: 'demo@passagent.test', password: 'demo-password-1' };
const cb = (p) => `${BASE}/api/integrations/${p}/callback`;

const peers = [];
const oidc = async (name) => {
  const client = { id: `${name}-demo`, secret: `${name}-demo-secret` };
  const p = await startOidcPeer({ clientId: client.id, clientSecret: client.secret, redirectUris: [cb(name)], accessTtl: 600 });
  peers.push(p);
  const N = name.toUpperCase();
  return {
    [`PASSAGENT_${N}_CLIENT_ID`]: client.id, [`PASSAGENT_${N}_CLIENT_SECRET`]: client.secret,
    [`PASSAGENT_${N}_AUTH_URL`]: `${p.url}/auth`, [`PASSAGENT_${N}_TOKEN_URL`]: `${p.url}/token`,
    [`PASSAGENT_${N}_USERINFO_URL`]: `${p.url}/me`, [`PASSAGENT_${N}_ISSUER`]: p.issuer,
    ...(name === 'outlook' ? {} : { [`PASSAGENT_${N}_REVOKE_URL`]: `${p.url}/token/revocation` }),
  };
};

const env = { ...(await oidc('gmail')), ...(await oidc('google')), ...(await oidc('outlook')) };
const gh = await startGithubPeer({ clientId: 'github-demo', clientSecret: 'github-demo-secret', email: 'octo@example.com' });
peers.push(gh);
Object.assign(env, {
  PASSAGENT_GITHUB_CLIENT_ID: 'github-demo', PASSAGENT_GITHUB_CLIENT_SECRET: 'github-demo-secret',
  PASSAGENT_GITHUB_AUTH_URL: `${gh.url}/login/oauth/authorize`,
  PASSAGENT_GITHUB_TOKEN_URL: `${gh.url}/login/oauth/access_token`,
  PASSAGENT_GITHUB_EMAILS_URL: `${gh.url}/user/emails`,
  PASSAGENT_GITHUB_REVOKE_URL: `${gh.url}/applications/{client_id}/grant`,
});
const dove = await startDovecot({ [MAILBOX.user]: MAILBOX.password });
const data = fs.mkdtempSync(path.join(os.tmpdir(), 'passagent-demo-'));
const child = spawn(path.join(ROOT, 'build', 'passagent'), ['serve'], {
  stdio: ['ignore', 'inherit', 'inherit'],
  env: {
    ...process.env, ...env,
    PASSAGENT_LISTEN: `127.0.0.1:${PORT}`, PASSAGENT_PUBLIC_URL: BASE, PASSAGENT_DATA_DIR: data,
    PASSAGENT_WEB_DIR: path.join(ROOT, 'web'),
    PASSAGENT_IMAP_ALLOW: `${dove.addr}:${dove.portTls},${dove.addr}:${dove.portStarttls}`,
    PASSAGENT_IMAP_CA_FILE: dove.cert.crt,
  },
});

let stopping = false;
async function stop(code) {
  if (stopping) return;
  stopping = true;
  if (child.exitCode === null) child.kill('SIGTERM');
  await Promise.all(peers.map((p) => p.close()));
  await dove.stop();
  fs.rmSync(data, { recursive: true, force: true });
  process.exit(code);
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
child.on('exit', (code) => { if (!stopping) { console.error(`passagent exited (${code})`); stop(1); } });

for (let i = 0; i < 100; i++) {
  try { if ((await fetch(`${BASE}/healthz`)).ok) break; } catch { /* not yet */ }
  await new Promise((r) => setTimeout(r, 100));
}
await fetch(`${BASE}/api/auth/register`, {
  method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(ACCOUNT),
});
const fixtures = path.resolve(ROOT, '..', 'shared', 'fixtures', 'import');
console.log(`
  PassAgent demo: ${BASE}/

  1. Sign in as ${ACCOUNT.email} / ${ACCOUNT.password} (or create an account).
  2. Integrations: Connect Gmail, Google or Outlook: the local provider asks for a
     login — type any name and any password — then "Continue"; the card shows
     <name>@example.com. GitHub connects at once as octo@example.com.
  3. IMAP mailbox:  host ${dove.addr}   port ${dove.portTls} (TLS)   or ${dove.portStarttls} (STARTTLS)
                    username ${MAILBOX.user}   app password ${MAILBOX.password}
     (try a wrong password to see it explained)
  4. Import: any export file${fs.existsSync(fixtures) ? `, e.g. from ${fixtures}` : ''}
  5. Vault: search, reveal, copy, delete.

  Ctrl-C stops everything (the demo's data is thrown away).
`);
