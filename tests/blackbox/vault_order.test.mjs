// GET /api/passwords lists the oldest import first and keeps file order
// within an import — also for imports made within the same second.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, stopClean, register, api } from './lib/server.mjs';

test('imports made in the same second list in import order, each in file order', async () => {
  const srv = await startServer();
  try {
    const u = await register(srv);
    for (const n of ['first', 'second', 'third']) {
      const data = `name,url,username,password\n${n}-z,https://${n}z.example,u,p1\n${n}-a,https://${n}a.example,u,p2\n`;
      const r = await api(srv, 'POST', '/api/passwords/import', { token: u.token, csrf: u.csrf, body: { format: 'csv', data } });
      assert.equal(r.status, 200, r.text);
    }
    const l = await api(srv, 'GET', '/api/passwords', { token: u.token });
    assert.deepEqual(l.json.data.map((d) => d.name),
      ['first-z', 'first-a', 'second-z', 'second-a', 'third-z', 'third-a']);
  } finally {
    await stopClean(srv);
  }
});
