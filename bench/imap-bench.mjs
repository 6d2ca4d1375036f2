// make bench, IMAP section: the cost of POST /api/integrations/imap/connect
// against a local Dovecot (a real TLS handshake and login each time), with
// implicit TLS and with STARTTLS, sequential and 8 at once. Prints a table.
import { startServer, api, register } from '../tests/blackbox/lib/server.mjs';
import { startDovecot } from '../tests/peers/dovecot.mjs';

const N = Number(process.env.BENCH_IMAP_CONNECTS || 40);
const dove = await startDovecot({ 'bench@example.test': 'bench-pass-1' });
const srv = await startServer({
  env: {
    PASSAGENT_IMAP_ALLOW: `${dove.addr}:${dove.portTls},${dove.addr}:${dove.portStarttls}`,
    PASSAGENT_IMAP_CA_FILE: dove.cert.crt, PASSAGENT_IMAP_CONNECT_LIMIT: 'off',
    PASSAGENT_IMAP_CHECK_INTERVAL: '0', PASSAGENT_LOG_LEVEL: 'warn',
  },
});
const users = [];
for (let i = 0; i < 8; i++) users.push(await register(srv));

async function one(u, tls) {
  const t0 = process.hrtime.bigint();
  const r = await api(srv, 'POST', '/api/integrations/imap/connect', {
    token: u.token, csrf: u.csrf,
    body: { host: dove.addr, port: tls ? dove.portTls : dove.portStarttls, username: 'bench@example.test', password: 'bench-pass-1', tls },
  });
  if (r.status !== 200) throw new Error(`connect failed: ${r.status} ${r.text}`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}
const pct = (xs, p) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const rows = [];
try {
  for (const tls of [true, false]) {
    const ms = [];
    for (let i = 0; i < N; i++) ms.push(await one(users[0], tls));
    rows.push([`IMAP connect, ${tls ? 'implicit TLS' : 'STARTTLS'}, sequential: median ms`, pct(ms, 0.5).toFixed(1)]);
    rows.push([`IMAP connect, ${tls ? 'implicit TLS' : 'STARTTLS'}, sequential: p95 ms`, pct(ms, 0.95).toFixed(1)]);
  }
  const t0 = Date.now();
  let done = 0;
  await Promise.all(users.map(async (u) => { for (let i = 0; i < N / 8; i++) { await one(u, true); done++; } }));
  rows.push(['IMAP connects/s, implicit TLS, 8 users at once', (done / ((Date.now() - t0) / 1000)).toFixed(1)]);
  const rss = (await import('node:fs')).readFileSync(`/proc/${srv.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1];
  rows.push(['RSS after the IMAP runs, MiB', (Number(rss) / 1024).toFixed(1)]);
} finally {
  await srv.stop();
  await dove.stop();
}
console.log(`\npassagent IMAP bench (local Dovecot, ${N} connects per run)\n`);
for (const [k, v] of rows) console.log(`${k.padEnd(58)} ${v.padStart(10)}`);
