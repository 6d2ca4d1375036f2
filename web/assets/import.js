// import.js — upload an export file (chosen or dropped) and show the
// report: counts, duplicates, skipped items and per-entry problems.
import { api } from './api.js';
import { el, say, startPage } from './ui.js';

const IMPORT_ERRORS = {
  IMPORT_ENCODING: (e) => `The file is not readable text (it should be UTF-8 or UTF-16): ${e.message}`,
  IMPORT_PARSE_ERROR: (e) => `The file is damaged or not a complete export: ${e.message}`,
  IMPORT_UNKNOWN_FORMAT: () => 'The format of this file was not recognised. Choose the password manager it came from, or use a CSV with name, url, username and password columns.',
  IMPORT_FORMAT_MISMATCH: (e) => `The file does not look like the format you chose: ${e.message}`,
  IMPORT_EMPTY: () => 'The file contains no entries.',
  IMPORT_TOO_MANY_ENTRIES: () => 'The file has more than 5,000 entries. Split it into smaller files and import them one by one.',
  PAYLOAD_TOO_LARGE: () => 'The file is too large (at most 32 MB).',
  BITWARDEN_PASSWORD_REQUIRED: () => 'This Bitwarden export is protected by a password. Enter its export password and import again.',
  BITWARDEN_WRONG_PASSWORD: () => 'The export password does not open this Bitwarden export. Check it and try again.',
  BITWARDEN_ACCOUNT_ENCRYPTED: () => 'This Bitwarden export is encrypted with your Bitwarden account key and can only be read by Bitwarden. Export again choosing "password protected" or unencrypted.',
  BITWARDEN_KDF_UNSUPPORTED: (e) => `This Bitwarden export uses settings we cannot read: ${e.message}`,
  IDEMPOTENCY_KEY_REUSED: () => 'This import was already sent with different contents. Choose the file again.',
  RATE_LIMITED: () => 'Too many requests. Wait a minute and try again.',
};

const form = document.getElementById('import-form');
const fileInput = document.getElementById('file');
const drop = document.getElementById('drop');
const message = document.getElementById('import-message');
let file = null;
let key = null; // one Idempotency-Key per chosen file: a double submit imports once

function choose(f) {
  file = f || null;
  key = file ? crypto.randomUUID() : null;
  document.getElementById('file-name').textContent = file ? `${file.name} (${Math.ceil(file.size / 1024)} KB)` : '';
  drop.classList.toggle('has-file', Boolean(file));
}

fileInput.addEventListener('change', () => choose(fileInput.files[0]));
for (const t of ['dragenter', 'dragover']) drop.addEventListener(t, (ev) => { ev.preventDefault(); drop.classList.add('over'); });
for (const t of ['dragleave', 'drop']) drop.addEventListener(t, () => drop.classList.remove('over'));
drop.addEventListener('drop', (ev) => {
  ev.preventDefault();
  if (ev.dataTransfer.files.length) choose(ev.dataTransfer.files[0]);
});

function count(label, n, cls) {
  return [el('dt', {}, label), el('dd', { class: cls, 'data-count': label.toLowerCase() }, String(n))];
}

function showReport(r) {
  const report = document.getElementById('report');
  document.getElementById('counts').replaceChildren(
    ...count('Format', r.format),
    ...count('Read', r.total),
    ...count('Imported', r.imported, 'good'),
    ...count('Duplicates', r.duplicates),
    ...count('Skipped', r.skipped),
    ...count('Failed', r.failed, r.failed ? 'bad' : ''),
  );
  const box = document.getElementById('problems');
  box.replaceChildren();
  if (r.problems && r.problems.length) {
    box.append(el('h3', {}, `Entries to look at (${r.problems.length})`),
      el('table', { class: 'problems' },
        el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Entry'), el('th', { scope: 'col' }, 'Line'), el('th', { scope: 'col' }, 'What happened'))),
        el('tbody', {}, r.problems.map((p) => el('tr', {},
          el('td', {}, String(p.entry)), el('td', {}, p.line === null || p.line === undefined ? '–' : String(p.line)), el('td', {}, p.reason))))));
  }
  if (r.warnings && r.warnings.length) {
    box.append(el('h3', {}, 'Warnings'), el('ul', {}, r.warnings.map((w) => el('li', {}, typeof w === 'string' ? w : JSON.stringify(w)))));
  }
  report.hidden = false;
  report.scrollIntoView({ block: 'nearest' });
}

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  if (!file) { say(message, 'error', 'Choose an export file first.'); return; }
  const data = new FormData();
  data.append('format', form.format.value);
  if (form.password.value) data.append('password', form.password.value);
  if (form.decodeEntities.checked) data.append('decodeEntities', 'true');
  data.append('file', file, file.name);
  const button = document.getElementById('import-button');
  button.disabled = true;
  say(message, 'info', `Importing ${file.name}…`);
  try {
    const r = await api('POST', '/api/passwords/import', { form: data, headers: { 'Idempotency-Key': key } });
    say(message, 'ok', `${r.imported} of ${r.total} entries imported from ${file.name}.`);
    form.password.value = '';
    showReport(r);
  } catch (e) {
    say(message, 'error', (IMPORT_ERRORS[e.code] || (() => `The import failed: ${e.message}`))(e));
  } finally {
    button.disabled = false;
  }
});

await startPage();
