// The database backend under test is the one the run asked for: SQLite by
// default, PostgreSQL when the runner provides a cluster. Without this, a
// PostgreSQL run that silently fell back to SQLite would look green.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startServer, stopClean, register, api, BACKEND } from './lib/server.mjs';

test(`the server runs on the ${BACKEND} backend and keeps data across a restart`, async () => {
  const srv = await startServer({ keepDataDir: true });
  let again;
  try {
    assert.match(srv.logs(), new RegExp(`${BACKEND} database`), 'start-up line names the backend');
    const u = await register(srv);
    await stopClean(srv);
    again = await startServer({ dataDir: srv.dataDir });
    const r = await api(again, 'GET', '/api/auth/session', { token: u.token });
    assert.equal(r.status, 200);
    assert.equal(r.json.user.id, u.user.id);
  } finally {
    if (again) await stopClean(again);
    fs.rmSync(srv.dataDir, { recursive: true, force: true });
  }
});
