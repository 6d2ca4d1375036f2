// api.js — the one way the dashboard talks to passagent. Same-origin fetch
// with the session cookie; every mutation (anything but GET) carries the
// session's CSRF token, fetched once and fetched again if the server says
// it is stale. Errors become ApiError with the server's code and message.

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.error) || `request failed (${status})`);
    this.status = status;
    this.code = (body && body.code) || 'NETWORK_ERROR';
    this.body = body;
  }
}

// Register and login have no session yet, so no token to send.
const NO_CSRF = new Set(['/api/auth/register', '/api/auth/login']);
let csrf = null;

async function send(method, path, { json, form, headers = {} } = {}) {
  const h = { Accept: 'application/json', ...headers };
  let body;
  if (json !== undefined) {
    h['Content-Type'] = 'application/json';
    body = JSON.stringify(json);
  } else if (form !== undefined) {
    body = form; // FormData: the browser sets the multipart boundary
  }
  if (method !== 'GET' && !NO_CSRF.has(path)) h['x-csrf-token'] = await csrfToken();
  let res;
  try {
    res = await fetch(path, { method, headers: h, body, credentials: 'same-origin', cache: 'no-store' });
  } catch {
    throw new ApiError(0, { error: 'The server could not be reached. Check your connection.', code: 'NETWORK_ERROR' });
  }
  let data = null;
  try { data = await res.json(); } catch { /* empty or not JSON */ }
  if (!res.ok) {
    const err = new ApiError(res.status, data);
    err.retryAfter = Number(res.headers.get('Retry-After')) || null;
    throw err;
  }
  return data;
}

async function csrfToken() {
  if (csrf === null) csrf = (await send('GET', '/api/auth/csrf-token')).csrfToken;
  return csrf;
}

/** api('POST', '/api/...', {json}|{form}) → parsed JSON; throws ApiError. */
export async function api(method, path, opts) {
  try {
    return await send(method, path, opts);
  } catch (e) {
    // A token from an earlier session (sign-out in another tab): fetch anew once.
    if (e.status === 403 && e.code === 'FORBIDDEN' && method !== 'GET' && !NO_CSRF.has(path)) {
      csrf = null;
      return send(method, path, opts);
    }
    throw e;
  }
}

export function forgetCsrf() { csrf = null; }
