// ui.js — small DOM helpers and the page frame shared by the dashboard
// pages: session check, navigation, sign-out, status messages, dates.
import { api, forgetCsrf } from './api.js';

/** el('p', {class: 'x'}, 'text', child...) — text is always text, never HTML. */
export function el(tag, attrs = {}, ...children) {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') n.className = v;
    else if (k.startsWith('on')) n.addEventListener(k.slice(2), v);
    else if (v === true) n.setAttribute(k, '');
    else n.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    n.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return n;
}

/** A readable local date and time for an ISO string ("" when absent). */
export function when(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** Shows a message in a live region: kind is 'ok', 'error' or 'info'. */
export function say(region, kind, text) {
  region.replaceChildren();
  if (!text) { region.hidden = true; return; }
  region.hidden = false;
  region.className = `notice notice-${kind}`;
  region.append(text instanceof Node ? text : document.createTextNode(text));
}

/** Asks for confirmation in the page's <dialog id="confirm">; resolves true/false. */
export function confirmAction(question, yesLabel) {
  const dlg = document.getElementById('confirm');
  dlg.querySelector('.confirm-text').textContent = question;
  dlg.querySelector('.confirm-yes').textContent = yesLabel;
  return new Promise((resolve) => {
    dlg.addEventListener('close', () => resolve(dlg.returnValue === 'yes'), { once: true });
    dlg.returnValue = '';
    dlg.showModal();
  });
}

/** Checks the session (back to sign-in without one), fills the header. */
export async function startPage() {
  let session;
  try {
    session = await api('GET', '/api/auth/session');
  } catch (e) {
    if (e.status === 401) {
      location.replace(`/?next=${encodeURIComponent(location.pathname + location.search)}`);
      return new Promise(() => {}); // the page is going away
    }
    throw e;
  }
  const who = document.getElementById('who');
  if (who) who.textContent = session.user.email;
  const out = document.getElementById('signout');
  if (out) {
    out.addEventListener('click', async () => {
      try { await api('POST', '/api/auth/logout'); } catch { /* signed out anyway below */ }
      forgetCsrf();
      location.assign('/');
    });
  }
  for (const a of document.querySelectorAll('.nav a')) {
    if (a.getAttribute('href') === location.pathname) a.setAttribute('aria-current', 'page');
  }
  return session;
}
