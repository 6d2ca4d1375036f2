// A throw-away Dovecot (Debian's dovecot-imapd) for the black-box tests.
// Listens on 127.0.0.2 — not 127.0.0.1: Dovecot treats a connection whose
// client and server addresses are equal as secure and would then allow a
// plaintext login, hiding exactly the bugs the tests look for. Every
// instance has its own directory, instance name and free ports, so two
// test files (or two runs) never share anything; stop() removes it all.

import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const IMAP_ADDR = '127.0.0.2';
const MAIL_UID = 65534; // nobody: Dovecot refuses uid 0 for mail processes

/** A port free on addr right now (bind to 0, read it, close). */
export function freePortOn(addr = IMAP_ADDR) {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, addr, () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.error || ''}`);
  return r.stdout;
}

// Dovecot {SSHA512}: base64(sha512(password + salt) + salt).
function ssha512(password) {
  const salt = crypto.randomBytes(8);
  const digest = crypto.createHash('sha512').update(Buffer.concat([Buffer.from(password, 'utf8'), salt])).digest();
  return `{SSHA512}${Buffer.concat([digest, salt]).toString('base64')}`;
}

/** A self-signed certificate for localhost and addr; returns paths and the curl-style pin. */
export function makeCert(dir, addr = IMAP_ADDR) {
  const crt = path.join(dir, 'server.crt');
  const key = path.join(dir, 'server.key');
  run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost',
    '-addext', `subjectAltName=DNS:localhost,IP:${addr}`, '-keyout', key, '-out', crt]);
  fs.chmodSync(key, 0o600);
  const spki = crypto.createPublicKey(fs.readFileSync(crt)).export({ type: 'spki', format: 'der' });
  const pin = `sha256//${crypto.createHash('sha256').update(spki).digest('base64')}`;
  return { crt, key, pin };
}

function writeUsers(file, users) {
  const lines = Object.entries(users).map(([u, pw]) => `${u}:${ssha512(pw)}`);
  // Write then rename so Dovecot never reads half a file; it re-reads on mtime change.
  fs.writeFileSync(`${file}.tmp`, lines.join('\n') + '\n', { mode: 0o644 });
  fs.renameSync(`${file}.tmp`, file);
}

/**
 * Starts Dovecot with `users` ({address: password}). Resolves
 * {addr, portStarttls, portTls, cert, dir, log(), setPassword(user, pw), stop()}.
 */
export async function startDovecot(users) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'passagent-dovecot-'));
  fs.chmodSync(dir, 0o755); // login and auth processes run unprivileged
  for (const d of ['run', 'state', 'home']) fs.mkdirSync(path.join(dir, d));
  const cert = makeCert(dir);
  const portStarttls = await freePortOn();
  let portTls = await freePortOn();
  while (portTls === portStarttls) portTls = await freePortOn();
  const usersFile = path.join(dir, 'users');
  const current = { ...users };
  writeUsers(usersFile, current);
  for (const u of Object.keys(users)) fs.mkdirSync(path.join(dir, 'home', u, 'Maildir', 'new'), { recursive: true });
  run('chown', ['-R', `${MAIL_UID}:${MAIL_UID}`, path.join(dir, 'home')]);
  const conf = path.join(dir, 'dovecot.conf');
  const logFile = path.join(dir, 'dovecot.log');
  fs.writeFileSync(conf, [
    `base_dir = ${dir}/run`,
    `state_dir = ${dir}/state`,
    `instance_name = passagent-test-${path.basename(dir)}`,
    `listen = ${IMAP_ADDR}`,
    'protocols = imap',
    `log_path = ${logFile}`,
    'auth_verbose = yes',
    'ssl = required',
    `ssl_cert = <${cert.crt}`,
    `ssl_key = <${cert.key}`,
    'auth_mechanisms = plain login',
    'passdb {',
    '  driver = passwd-file',
    `  args = username_format=%u ${usersFile}`,
    '}',
    'userdb {',
    '  driver = static',
    `  args = uid=${MAIL_UID} gid=${MAIL_UID} home=${dir}/home/%u`,
    '}',
    'mail_location = maildir:~/Maildir',
    'service imap-login {',
    '  inet_listener imap {',
    `    port = ${portStarttls}`,
    '  }',
    '  inet_listener imaps {',
    `    port = ${portTls}`,
    '    ssl = yes',
    '  }',
    '}',
    '',
  ].join('\n'));
  // The daemon keeps inherited pipes open: give it none, or spawnSync waits forever.
  run('dovecot', ['-c', conf], { stdio: 'ignore' });
  const peer = {
    addr: IMAP_ADDR,
    portStarttls,
    portTls,
    cert,
    dir,
    log: () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : ''),
    setPassword(user, pw) {
      current[user] = pw;
      writeUsers(usersFile, current);
    },
    async stop() {
      spawnSync('doveadm', ['-c', conf, 'stop'], { encoding: 'utf8' });
      // Wait for the master to go away before removing its directory.
      const pidFile = path.join(dir, 'run', 'master.pid');
      for (let i = 0; i < 100 && fs.existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 50));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  // Ready when the implicit-TLS port completes a TLS greeting.
  const deadline = Date.now() + 15000;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(portTls, IMAP_ADDR, () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (ok) return peer;
    if (Date.now() > deadline) {
      const l = peer.log();
      await peer.stop();
      throw new Error(`dovecot did not start; log:\n${l}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
