// integrations.js — the provider cards (connect, refresh, disconnect), the
// banner the OAuth callback asks for, and the IMAP mailbox form.
import { api } from './api.js';
import { el, when, say, confirmAction, startPage } from './ui.js';

const PROVIDERS = [
  { id: 'gmail', name: 'Gmail', what: 'Read and organise your Gmail mailbox.' },
  { id: 'outlook', name: 'Outlook', what: 'Read your Outlook or Microsoft 365 mailbox.' },
  { id: 'github', name: 'GitHub', what: 'Know which GitHub account is yours.' },
  { id: 'google', name: 'Google', what: 'Sign-in details of your Google account.' },
];
const nameOf = (id) => (PROVIDERS.find((p) => p.id === id) || { name: id }).name;

// What the callback's ?error= codes mean for a person.
const CALLBACK_ERRORS = {
  access_denied: 'You declined the request at the provider, so nothing was connected.',
  provider_error: 'The provider reported a problem and did not connect the account. Try again later.',
  invalid_state: 'The connection request had expired or came from another browser window. Start again with Connect.',
  invalid_request: 'The provider sent back an incomplete answer. Start again with Connect.',
  exchange_failed: 'The provider did not complete the sign-in (it refused, was unreachable or answered in a way we could not trust). Try again.',
  email_unavailable: 'The provider did not tell us a verified e-mail address for this account, so it was not connected.',
  not_configured: 'This provider is not set up on this server yet. Ask your administrator.',
  server_error: 'Something went wrong on our side while saving the connection. Try again.',
};

// What the IMAP connect errors mean and what to do about them.
const IMAP_ERRORS = {
  VALIDATION_ERROR: (e) => `Some details are missing or not valid: ${e.message}`,
  HOST_NOT_ALLOWED: () => 'PassAgent may not connect to that server: the address is internal or private, or the port is not one mail servers use (993 or 143). Use your provider\'s public IMAP server name.',
  IMAP_AUTH_FAILED: () => 'The mail server refused the username or password. Check both; many providers want an app password here, not your usual password.',
  IMAP_APP_PASSWORD_REQUIRED: () => 'Your provider wants an app password for mail apps (for example Gmail with 2-step verification). Create one in your account\'s security settings and enter it here.',
  IMAP_OAUTH_REQUIRED: () => 'This provider no longer accepts passwords for mail apps. Connect it with its card above (Outlook or Gmail) instead.',
  IMAP_TLS_FAILED: () => 'A secure connection could not be made: the server\'s certificate is not trusted or does not match its name, or the server offers no encryption on this port. Check the server name, port and security setting.',
  IMAP_UNREACHABLE: () => 'The mail server could not be reached: the name does not exist or nothing answers on that port. Check the server name and port.',
  IMAP_PROTOCOL_ERROR: () => 'The server at that address did not answer like a mail (IMAP) server. Check the server name and port.',
  IMAP_TIMEOUT: () => 'The mail server did not answer in time. Check the port and security setting (993 goes with TLS, 143 with STARTTLS) and try again.',
  RATE_LIMITED: (e) => `Too many connection attempts. Try again in ${e.retryAfter ? `${Math.ceil(e.retryAfter / 60)} minute(s)` : 'a few minutes'}.`,
};

const STATUS_TEXT = { active: 'Connected', expired: 'Expired — reconnect', error: 'Error — reconnect' };

const banner = document.getElementById('banner');
const cards = document.getElementById('cards');
let configured = {};

function showCallbackBanner() {
  const q = new URLSearchParams(location.search);
  const connected = q.get('connected');
  const error = q.get('error');
  if (connected) say(banner, 'ok', `${nameOf(connected)} is connected.`);
  else if (error) {
    const who = q.get('provider') ? `${nameOf(q.get('provider'))}: ` : '';
    say(banner, 'error', who + (CALLBACK_ERRORS[error] || 'The connection did not complete. Try again.'));
  }
  if (connected || error) history.replaceState(null, '', location.pathname);
}

function fact(label, value) {
  return value ? [el('dt', {}, label), el('dd', {}, value)] : [];
}

function card(p, it) {
  const msg = el('div', { class: 'notice', role: 'alert', hidden: true });
  const isOn = Boolean(it);
  const status = !configured[p.id] && !isOn ? 'Not configured' : isOn ? (STATUS_TEXT[it.status] || it.status) : 'Not connected';
  const badgeKind = !configured[p.id] && !isOn ? 'off' : isOn ? (it.status === 'active' ? 'on' : 'warn') : 'off';
  const actions = el('div', { class: 'actions' });
  const busy = async (button, fn) => {
    for (const b of actions.querySelectorAll('button')) b.disabled = true;
    try { await fn(); } catch (e) { say(msg, 'error', e.message); } finally {
      for (const b of actions.querySelectorAll('button')) b.disabled = false;
    }
  };
  if (configured[p.id] && (!isOn || it.status !== 'active')) {
    const b = el('button', { type: 'button', class: 'primary', 'aria-label': `Connect ${p.name}` }, isOn ? 'Reconnect' : 'Connect');
    b.addEventListener('click', () => busy(b, async () => {
      const { authUrl } = await api('GET', `/api/integrations/${p.id}/auth`);
      location.assign(authUrl);
    }));
    actions.append(b);
  }
  if (isOn && configured[p.id] && it.expiresAt) {
    const b = el('button', { type: 'button', class: 'secondary', 'aria-label': `Refresh ${p.name}` }, 'Refresh');
    b.addEventListener('click', () => busy(b, async () => {
      try {
        const r = await api('POST', `/api/integrations/${p.id}/refresh`);
        await render();
        const m = cards.querySelector(`[data-provider="${p.id}"] .notice`);
        say(m, 'ok', r.expiresAt ? `Refreshed. Access now lasts until ${when(r.expiresAt)}.` : 'Refreshed.');
      } catch (e) {
        if (e.code === 'REAUTHORIZATION_REQUIRED') { await render(); throw new Error(`${p.name} no longer accepts this connection. Connect it again.`); }
        if (e.code === 'PROVIDER_ERROR') throw new Error(`${p.name} could not be reached. Try again later; the connection is unchanged.`);
        throw e;
      }
    }));
    actions.append(b);
  }
  if (isOn) {
    const b = el('button', { type: 'button', class: 'danger', 'aria-label': `Disconnect ${p.name}` }, 'Disconnect');
    b.addEventListener('click', async () => {
      if (!await confirmAction(`Disconnect ${p.name} (${it.email})? PassAgent will forget its access.`, 'Disconnect')) return;
      busy(b, async () => {
        await api('POST', `/api/integrations/${p.id}/disconnect`);
        await render();
        say(banner, 'ok', `${p.name} is disconnected.`);
      });
    });
    actions.append(b);
  }
  if (!configured[p.id] && !isOn) actions.append(el('p', { class: 'meta' }, 'Not set up on this server: the administrator has not given PassAgent client credentials for this provider.'));
  return el('section', { class: 'card', 'data-provider': p.id, 'aria-labelledby': `card-${p.id}` },
    el('h2', { id: `card-${p.id}` }, p.name),
    el('p', { class: 'meta' }, p.what),
    el('p', { class: 'status-line' }, el('span', { class: `badge badge-${badgeKind}` }, status)),
    isOn ? el('dl', { class: 'facts' },
      ...fact('Account', it.email),
      ...fact('Connected', when(it.connectedAt)),
      ...fact('Access expires', it.expiresAt ? when(it.expiresAt) : (p.id === 'github' ? 'Does not expire' : ''))) : null,
    msg, actions);
}

async function render() {
  const [{ integrations }, { providers }] = await Promise.all([
    api('GET', '/api/user-integrations'),
    api('GET', '/api/integrations/providers'),
  ]);
  configured = Object.fromEntries(providers.map((p) => [p.provider, p.configured]));
  const byId = Object.fromEntries(integrations.map((i) => [i.provider, i]));
  cards.replaceChildren(...PROVIDERS.map((p) => card(p, byId[p.id])));
  renderImap(byId.imap);
}

// ---- IMAP ----
const imapForm = document.getElementById('imap-form');
const imapMsg = document.getElementById('imap-message');
const imapDisconnect = document.getElementById('imap-disconnect');

function renderImap(it) {
  const badge = document.getElementById('imap-status');
  badge.textContent = it ? (it.status === 'active' ? 'Connected' : 'Error — the server refuses the stored password') : 'Not connected';
  badge.className = `badge badge-${it ? (it.status === 'active' ? 'on' : 'warn') : 'off'}`;
  document.getElementById('imap-email').textContent = it ? it.email : '';
  document.getElementById('imap-since').textContent = it ? `Connected ${when(it.connectedAt)}` : '';
  imapDisconnect.hidden = !it;
  document.getElementById('imap-connect').textContent = it ? 'Replace mailbox' : 'Connect mailbox';
}

document.getElementById('imap-tls').addEventListener('change', (ev) => {
  const port = document.getElementById('imap-port');
  if (port.value === '993' || port.value === '143' || port.value === '') port.value = ev.target.value === 'true' ? '993' : '143';
});

imapForm.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = imapForm;
  const body = {
    host: f.host.value.trim(),
    port: Number(f.port.value),
    username: f.username.value.trim(),
    password: f.password.value,
    tls: f.tls.value === 'true',
  };
  if (f.pinnedPublicKey.value.trim()) body.pinnedPublicKey = f.pinnedPublicKey.value.trim();
  if (!body.host || !body.username || !body.password || !Number.isInteger(body.port)) {
    say(imapMsg, 'error', 'Enter the server, port, username and app password.');
    return;
  }
  const button = document.getElementById('imap-connect');
  button.disabled = true;
  say(imapMsg, 'info', 'Checking the login with your mail server…');
  try {
    const r = await api('POST', '/api/integrations/imap/connect', { json: body });
    f.password.value = '';
    await render();
    say(imapMsg, 'ok', `Connected ${r.email}.`);
  } catch (e) {
    say(imapMsg, 'error', (IMAP_ERRORS[e.code] || (() => e.message))(e));
  } finally {
    button.disabled = false;
  }
});

imapDisconnect.addEventListener('click', async () => {
  if (!await confirmAction('Disconnect this mailbox? PassAgent will delete the stored password.', 'Disconnect')) return;
  try {
    await api('POST', '/api/integrations/imap/disconnect');
    await render();
    say(imapMsg, 'ok', 'The mailbox is disconnected.');
  } catch (e) {
    say(imapMsg, 'error', e.message);
  }
});

await startPage();
showCallbackBanner();
try { await render(); } catch (e) { say(banner, 'error', `Could not load your integrations: ${e.message}`); }
