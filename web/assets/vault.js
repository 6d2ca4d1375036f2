// vault.js — the user's entries: search by name or site, pages of 25,
// reveal with copy to the clipboard, delete with confirmation.
import { api } from './api.js';
import { el, say, confirmAction, startPage } from './ui.js';

const PAGE = 25;
const list = document.getElementById('entries');
const message = document.getElementById('vault-message');
const search = document.getElementById('search');
let all = [];
let page = 1;

async function load() {
  const out = [];
  for (let p = 1; ; p++) {
    const r = await api('GET', `/api/passwords?page=${p}&limit=2000`);
    out.push(...r.data);
    if (r.data.length === 0 || out.length >= r.pagination.total) break;
  }
  all = out;
}

function matches(e, q) {
  if (!q) return true;
  return [e.name, e.website, e.url, ...(e.urls || [])].some((s) => typeof s === 'string' && s.toLowerCase().includes(q));
}

function revealBox(entry, secret) {
  const pw = el('code', { class: 'secret' }, secret.password || '(no password)');
  const copy = el('button', { type: 'button', class: 'secondary', 'aria-label': `Copy the password of ${entry.name}` }, 'Copy');
  const status = el('span', { class: 'meta', role: 'status' });
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(secret.password || '');
      status.textContent = 'Copied.';
    } catch {
      status.textContent = 'Copying is not allowed here; select the password and copy it yourself.';
    }
  });
  return el('div', { class: 'revealed' },
    el('span', { class: 'visually-hidden' }, 'Password: '), pw, ' ', copy, ' ', status,
    secret.totp ? el('p', { class: 'meta' }, 'Has a one-time-code secret.') : null,
    secret.notes ? el('p', { class: 'notes' }, el('strong', {}, 'Notes: '), secret.notes) : null);
}

function row(e) {
  const slot = el('div', { class: 'reveal-slot' });
  const reveal = el('button', { type: 'button', class: 'secondary', 'aria-label': `Reveal the password of ${e.name}`, 'aria-expanded': 'false' }, 'Reveal');
  reveal.addEventListener('click', async () => {
    if (slot.firstChild) {
      slot.replaceChildren();
      reveal.textContent = 'Reveal';
      reveal.setAttribute('aria-expanded', 'false');
      return;
    }
    try {
      const secret = await api('POST', `/api/passwords/${encodeURIComponent(e.id)}/reveal`);
      slot.replaceChildren(revealBox(e, secret));
      reveal.textContent = 'Hide';
      reveal.setAttribute('aria-expanded', 'true');
    } catch (err) {
      say(message, 'error', err.code === 'RATE_LIMITED' ? 'Too many reveals in a minute. Wait a moment and try again.' : `Could not reveal: ${err.message}`);
    }
  });
  const del = el('button', { type: 'button', class: 'danger', 'aria-label': `Delete ${e.name}` }, 'Delete');
  del.addEventListener('click', async () => {
    if (!await confirmAction(`Delete "${e.name}"${e.username ? ` (${e.username})` : ''} from your vault? This cannot be undone.`, 'Delete')) return;
    try {
      await api('DELETE', `/api/passwords/${encodeURIComponent(e.id)}`);
      all = all.filter((x) => x.id !== e.id);
      say(message, 'ok', `"${e.name}" deleted.`);
      render();
    } catch (err) {
      say(message, 'error', `Could not delete: ${err.message}`);
    }
  });
  return el('li', { class: 'entry', 'data-id': e.id },
    el('div', { class: 'entry-main' },
      el('h2', { class: 'entry-name' }, e.name),
      el('p', { class: 'meta' }, [e.website, e.username].filter(Boolean).join(' · ') || 'No site or username')),
    el('div', { class: 'actions' }, reveal, del),
    slot);
}

function render() {
  const q = search.value.trim().toLowerCase();
  const shown = all.filter((e) => matches(e, q));
  const pages = Math.max(1, Math.ceil(shown.length / PAGE));
  page = Math.min(Math.max(1, page), pages);
  list.replaceChildren(...shown.slice((page - 1) * PAGE, page * PAGE).map(row));
  document.getElementById('summary').textContent = all.length === 0
    ? 'Your vault is empty. Import passwords to fill it.'
    : q ? `${shown.length} of ${all.length} entries match.` : `${all.length} entries.`;
  document.getElementById('page-info').textContent = `Page ${page} of ${pages}`;
  document.getElementById('prev').disabled = page <= 1;
  document.getElementById('next').disabled = page >= pages;
}

search.addEventListener('input', () => { page = 1; render(); });
document.getElementById('prev').addEventListener('click', () => { page--; render(); });
document.getElementById('next').addEventListener('click', () => { page++; render(); });

await startPage();
try {
  await load();
  render();
} catch (e) {
  say(message, 'error', `Could not load the vault: ${e.message}`);
}
