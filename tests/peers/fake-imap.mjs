// Small fake IMAP servers for cases a real Dovecot will not produce. Each
// records every byte it received, so a test can assert what did (or did
// not) reach the server.
//   silent:      accepts TCP and never greets.
//   noStarttls:  plaintext IMAP that does not offer STARTTLS (a downgrade).
//   refusing:    implicit TLS; refuses logins with provider texts chosen
//                by username (app password required, basic auth disabled).

import net from 'node:net';
import tls from 'node:tls';
import fs from 'node:fs';
import { IMAP_ADDR } from './dovecot.mjs';

function listen(server, addr) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, addr, () => resolve(server.address().port));
  });
}

function recorder(server) {
  const rec = { connections: 0, received: Buffer.alloc(0), sockets: new Set() };
  rec.text = () => rec.received.toString('latin1');
  rec.attach = (sock) => {
    rec.connections++;
    rec.sockets.add(sock);
    sock.on('close', () => rec.sockets.delete(sock));
    sock.on('error', () => {});
    sock.on('data', (d) => { rec.received = Buffer.concat([rec.received, d]); });
  };
  rec.stop = () => new Promise((resolve) => {
    for (const s of rec.sockets) s.destroy();
    server.close(() => resolve());
  });
  return rec;
}

// Calls onLine(tag, command, args, line) for each CRLF-terminated line.
function lines(sock, onLine) {
  let buf = '';
  sock.on('data', (d) => {
    buf += d.toString('latin1');
    let i;
    while ((i = buf.indexOf('\n')) !== -1) {
      const line = buf.slice(0, i).replace(/\r$/, '');
      buf = buf.slice(i + 1);
      const [tag, cmd = '', ...rest] = line.split(' ');
      onLine(tag, cmd.toUpperCase(), rest, line);
    }
  });
}

export async function startSilent(addr = IMAP_ADDR) {
  const server = net.createServer((s) => rec.attach(s));
  const rec = recorder(server);
  rec.port = await listen(server, addr);
  return rec;
}

export async function startNoStarttls(addr = IMAP_ADDR) {
  const server = net.createServer((s) => {
    rec.attach(s);
    s.write('* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN AUTH=LOGIN] fake server ready\r\n');
    lines(s, (tag, cmd) => {
      if (cmd === 'CAPABILITY') s.write(`* CAPABILITY IMAP4rev1 AUTH=PLAIN AUTH=LOGIN\r\n${tag} OK done\r\n`);
      else if (cmd === 'LOGOUT') s.end(`* BYE\r\n${tag} OK bye\r\n`);
      else s.write(`${tag} NO not here\r\n`);
    });
  });
  const rec = recorder(server);
  rec.port = await listen(server, addr);
  return rec;
}

// texts: {username: "tagged NO text"}; any other user gets a plain failure.
export async function startRefusing(cert, texts, addr = IMAP_ADDR) {
  const server = tls.createServer({ cert: fs.readFileSync(cert.crt), key: fs.readFileSync(cert.key) }, (s) => {
    rec.attach(s);
    s.write('* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] fake provider ready\r\n');
    let pendingAuth = null;
    const refuse = (tag, user) => s.write(`${tag} ${texts[user] || 'NO [AUTHENTICATIONFAILED] Authentication failed.'}\r\n`);
    const plainUser = (b64) => Buffer.from(b64, 'base64').toString('utf8').split('\0')[1] || '';
    lines(s, (tag, cmd, args, line) => {
      if (pendingAuth) { refuse(pendingAuth, plainUser(line)); pendingAuth = null; return; }
      if (cmd === 'CAPABILITY') s.write(`* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n${tag} OK done\r\n`);
      else if (cmd === 'AUTHENTICATE' && args[1]) refuse(tag, plainUser(args[1]));
      else if (cmd === 'AUTHENTICATE') { pendingAuth = tag; s.write('+ \r\n'); }
      else if (cmd === 'LOGOUT') s.end(`* BYE\r\n${tag} OK bye\r\n`);
      else s.write(`${tag} BAD unexpected\r\n`);
    });
  });
  const rec = recorder(server);
  rec.port = await listen(server, addr);
  return rec;
}

/** Listens on addr:port if possible (to prove that nothing connects there); null when the port is taken. */
export async function tryCounting(addr, port) {
  const server = net.createServer((s) => rec.attach(s));
  const rec = recorder(server);
  try {
    rec.port = await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, addr, () => resolve(server.address().port));
    });
    return rec;
  } catch {
    return null;
  }
}
