// signin.js — sign in or create an account, then go to the dashboard
// (or back to the dashboard page that sent us here).
import { api } from './api.js';
import { say } from './ui.js';

const message = document.getElementById('message');

function destination() {
  const next = new URLSearchParams(location.search).get('next') || '';
  // Only our own dashboard pages: never an open redirect.
  return /^\/dashboard\/[a-z-]+(\?[^#]*)?$/.test(next) ? next : '/dashboard/integrations';
}

function explain(e, action) {
  switch (e.code) {
    case 'UNAUTHORIZED': return 'That e-mail and password do not match an account. Check both and try again.';
    case 'CONFLICT': return 'An account with this e-mail already exists. Sign in instead.';
    case 'RATE_LIMITED': return `Too many attempts. Try again in ${e.retryAfter ? `${Math.ceil(e.retryAfter / 60)} minute(s)` : 'a few minutes'}.`;
    case 'SERVER_BUSY': return 'The server is busy. Try again in a moment.';
    case 'VALIDATION_ERROR': return `Could not ${action}: ${e.message}`;
    default: return `Could not ${action}: ${e.message}`;
  }
}

async function submit(form, path, action) {
  const email = form.email.value.trim();
  const password = form.password.value;
  if (!email || !password) return say(message, 'error', 'Enter your e-mail and password.');
  if (form.password2 && password !== form.password2.value) return say(message, 'error', 'The two passwords differ.');
  if (form.password2 && password.length < 8) return say(message, 'error', 'Choose a password of at least 8 characters.');
  const button = form.querySelector('button');
  button.disabled = true;
  say(message, 'info', action === 'sign in' ? 'Signing in…' : 'Creating your account…');
  try {
    await api('POST', path, { json: { email, password } });
    location.assign(destination());
  } catch (e) {
    say(message, 'error', explain(e, action));
    button.disabled = false;
  }
}

document.getElementById('signin-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  submit(ev.target, '/api/auth/login', 'sign in');
});
document.getElementById('register-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  submit(ev.target, '/api/auth/register', 'create the account');
});

// Already signed in: straight on.
api('GET', '/api/auth/session').then(() => location.replace(destination()), () => {});
