// Helpers for the password import and vault tests: fixture paths (the shared
// fixtures sit beside the repository, at ../shared from its root), uploads as
// JSON or multipart, listing and reveal.

import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { REPO_ROOT, api, SLOW } from './server.mjs';

export const FIXTURES = path.resolve(REPO_ROOT, '..', 'shared', 'fixtures', 'import');

export function fixture(rel) {
  return fs.readFileSync(path.join(FIXTURES, rel));
}

export function fixtureFiles() {
  const out = [];
  for (const dir of fs.readdirSync(FIXTURES).sort()) {
    const d = path.join(FIXTURES, dir);
    if (!fs.statSync(d).isDirectory()) continue;
    for (const f of fs.readdirSync(d).sort()) out.push(`${dir}/${f}`);
  }
  return out;
}

/** Multipart upload: fields {format, password, decodeEntities} plus the file bytes. */
export async function importMultipart(srv, u, data, fields = {}, headers = {}) {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) fd.append(k, String(v));
  fd.append('file', new Blob([data]), 'export');
  const r = await fetch(srv.url + '/api/passwords/import', {
    method: 'POST',
    headers: { authorization: `Bearer ${u.token}`, 'x-csrf-token': u.csrf, ...headers },
    body: fd,
    signal: AbortSignal.timeout(60000 * SLOW),
  });
  const text = await r.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: r.status, headers: r.headers, json, text };
}

/** JSON upload: {format, data, ...extra}. data is a string (UTF-8). */
export function importJson(srv, u, body, headers = {}) {
  return api(srv, 'POST', '/api/passwords/import', { token: u.token, csrf: u.csrf, body, headers });
}

export async function listAll(srv, u) {
  const r = await api(srv, 'GET', '/api/passwords?limit=2000', { token: u.token });
  assert.equal(r.status, 200, r.text);
  return r.json.data;
}

export async function reveal(srv, u, id) {
  const r = await api(srv, 'POST', `/api/passwords/${id}/reveal`, { token: u.token, csrf: u.csrf });
  assert.equal(r.status, 200, r.text);
  return r.json;
}

export function counts(j) {
  const { format, total, imported, duplicates, skipped, failed } = j;
  return { format, total, imported, duplicates, skipped, failed };
}
