// Peers for the scale-out tests: a dedicated throw-away PostgreSQL cluster
// (tests/peers/pg-cluster.sh) and nginx in front of several instances, with
// the repository's own deploy/nginx.conf.template.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT, freePort, sleep } from './server.mjs';

const PG_SCRIPT = path.join(REPO_ROOT, 'tests/peers/pg-cluster.sh');

function run(args) {
  const r = spawnSync(PG_SCRIPT, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`pg-cluster.sh ${args[0]} failed: ${r.stderr}`);
  return r.stdout.trim();
}

/** Starts a cluster of its own; returns {admin, dbUrl(name), pause(), resume(), stop()}. */
export function startPostgres() {
  // Under /tmp itself: the postgres user must be able to reach the directory.
  const dir = fs.mkdtempSync('/tmp/passagent-pg-');
  const admin = run(['start', dir]);
  return {
    admin,
    /** Creates database `name` and returns its URL. */
    dbUrl(name) {
      const c = spawnSync('psql', [admin, '-qc', `CREATE DATABASE "${name}"`], { encoding: 'utf8' });
      if (c.status !== 0) throw new Error(`CREATE DATABASE: ${c.stderr}`);
      const u = new URL(admin);
      u.pathname = '/' + name;
      return u.toString();
    },
    query(url, sql) {
      const r = spawnSync('psql', [url, '-qAtc', sql], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`psql: ${r.stderr}`);
      return r.stdout.trim();
    },
    pause: () => run(['pause', dir]),
    resume: () => run(['resume', dir]),
    stop() {
      run(['stop', dir]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** nginx round robin over the given ports (on `port` if given); returns {url, stop()}. */
export async function startNginx(ports, port) {
  // nginx workers run unprivileged and buffer bodies over 16 KiB to files
  // under the prefix, so the prefix must be reachable by them.
  const prefix = fs.mkdtempSync('/tmp/passagent-nginx-');
  fs.chmodSync(prefix, 0o755);
  port = port || await freePort();
  const conf = fs.readFileSync(path.join(REPO_ROOT, 'deploy/nginx.conf.template'), 'utf8')
    .replaceAll('@PREFIX@', prefix)
    .replaceAll('@LISTEN@', `127.0.0.1:${port}`)
    .replaceAll('@UPSTREAMS@', ports.map((p) => `server 127.0.0.1:${p};`).join('\n        '));
  fs.writeFileSync(path.join(prefix, 'nginx.conf'), conf);
  const child = spawn('nginx', ['-p', prefix, '-c', path.join(prefix, 'nginx.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let logs = '';
  child.stderr.on('data', (d) => { logs += d; });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      const r = await fetch(`${url}/healthz`);
      await r.arrayBuffer();
      if (r.status === 200) break;
    } catch { /* not up yet */ }
    if (i > 100) throw new Error(`nginx did not start: ${logs}`);
    await sleep(50);
  }
  return {
    url,
    logs: () => logs,
    async stop() {
      child.kill('SIGQUIT');
      await new Promise((r) => child.on('close', r));
      fs.rmSync(prefix, { recursive: true, force: true });
    },
  };
}
