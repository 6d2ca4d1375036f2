// The dashboard in a real browser: Debian's Chromium driven by
// playwright-core (no browser download). One browser and one page for the
// whole file, walking what a person does: register, connect Gmail through
// the local OpenID provider's real login and consent pages, refresh and
// disconnect it, connect a Dovecot mailbox (a wrong password explained
// first), import a fixture export, find and reveal an entry, delete one.
// Every page is checked for labels, CSP violations and phone-width layout;
// screenshots go to build/screenshots/ (not committed).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, SLOW, stopClean, api, uniqueEmail, randomPassword, dbExec } from './lib/server.mjs';
import { startOAuthWorld } from './lib/oauth.mjs';
import { startDovecot } from '../peers/dovecot.mjs';
import { launchBrowser } from '../peers/browser.mjs';

const SHOTS = path.join(REPO_ROOT, 'build', 'screenshots');
const FIXTURE = path.resolve(REPO_ROOT, '..', 'shared', 'fixtures', 'import', 'chrome', 'passimport-chrome-note-ragged.csv');
const MAILBOX = 'dana@example.test';
const MAILBOX_PW = 'mail-pass-Q7x';
const T = 15000 * SLOW;

let w, dove, browser, ctx, page;
const cspViolations = [];
const pageErrors = [];
const user = { email: uniqueEmail('browser'), password: randomPassword() };

async function shot(name) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/** Every input, select and textarea on the page has a label; nothing overflows a phone's width. */
async function checkPage(name) {
  const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea')]
    .filter((n) => n.labels.length === 0 && !n.getAttribute('aria-label')).map((n) => n.id || n.name || n.outerHTML));
  assert.deepEqual(unlabelled, [], `${name}: inputs without a label`);
  const vp = page.viewportSize();
  await page.setViewportSize({ width: 360, height: 740 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  await shot(`${name}-phone`);
  await page.setViewportSize(vp);
  assert.ok(overflow <= 0, `${name}: ${overflow}px wider than a 360px screen`);
  assert.deepEqual(cspViolations, [], `${name}: Content-Security-Policy violations`);
  assert.deepEqual(pageErrors, [], `${name}: script errors`);
}

before(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  dove = await startDovecot({ [MAILBOX]: MAILBOX_PW });
  w = await startOAuthWorld({
    env: {
      PASSAGENT_IMAP_ALLOW: `${dove.addr}:${dove.portTls}`,
      PASSAGENT_IMAP_CA_FILE: dove.cert.crt,
      PASSAGENT_IMAP_CONNECT_LIMIT: 'off',
      PASSAGENT_IMAP_CHECK_INTERVAL: '0',
    },
  });
  browser = await launchBrowser({
    viewport: { width: 1200, height: 860 },
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  ctx = browser.context;
  ctx.setDefaultTimeout(T);
  page = browser.page;
  page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text()); });
  page.on('pageerror', (e) => pageErrors.push(String(e)));
});

after(async () => {
  if (browser) await browser.close();
  if (w) {
    await stopClean(w.srv);
    await w.close();
  }
  if (dove) await dove.stop();
});

const card = (provider) => page.locator(`section.card[data-provider="${provider}"]`);

describe('dashboard in Chromium', () => {
  test('sign-in page: a signed-out visit to a dashboard page lands there; registering opens the integrations', async () => {
    await page.goto(`${w.srv.url}/dashboard/vault`);
    await page.waitForURL(/\/\?next=%2Fdashboard%2Fvault$/);
    await page.getByRole('heading', { name: 'Create an account' }).waitFor();
    await checkPage('signin');
    await shot('signin');
    await page.getByLabel('E-mail').nth(1).fill(user.email);
    await page.getByLabel('Password', { exact: false }).nth(1).fill(user.password);
    await page.getByLabel('Password again').fill(user.password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(`${w.srv.url}/dashboard/vault`); // back where the visit began
    await page.locator('#who', { hasText: user.email }).waitFor();
    await page.getByRole('link', { name: 'Integrations' }).click();
    await page.waitForURL(`${w.srv.url}/dashboard/integrations`);
    for (const p of ['gmail', 'outlook', 'github', 'google']) {
      await card(p).locator('.badge', { hasText: 'Not connected' }).waitFor();
    }
    await checkPage('integrations');
    await shot('integrations-empty');
  });

  test('Connect Gmail: the provider\'s login and consent pages, then the card shows the account', async () => {
    await card('gmail').getByRole('button', { name: 'Connect Gmail' }).click();
    await page.waitForURL(`${w.google.url}/**`);
    await page.locator('input[name="login"]').fill('dana');
    await page.locator('input[name="password"]').fill('any-password');
    await shot('provider-login');
    await page.locator('button[type="submit"]').click();
    await page.waitForURL(`${w.google.url}/**`);
    await page.locator('button[type="submit"]').first().waitFor();
    await shot('provider-consent');
    await page.locator('button[type="submit"]').first().click();
    await page.waitForURL(`${w.srv.url}/dashboard/integrations*`);
    await page.locator('#banner', { hasText: 'Gmail is connected.' }).waitFor();
    // The banner's query is removed from the address bar.
    assert.equal(new URL(page.url()).search, '');
    const gmail = card('gmail');
    await gmail.locator('.badge', { hasText: 'Connected' }).waitFor();
    await gmail.locator('dd', { hasText: 'dana@example.com' }).waitFor();
    assert.equal(await gmail.locator('dt').allTextContents().then((t) => t.join('|')), 'Account|Connected|Access expires');
    await shot('integrations-gmail');
  });

  test('Refresh asks the provider for a new token; Disconnect asks first, then forgets the account', async () => {
    const before = w.google.tokenRequests();
    const gmail = card('gmail');
    await gmail.getByRole('button', { name: 'Refresh Gmail' }).click();
    await card('gmail').locator('.notice', { hasText: 'Refreshed.' }).waitFor();
    assert.equal(w.google.tokenRequests(), before + 1, 'one refresh request reached the provider');

    await card('gmail').getByRole('button', { name: 'Disconnect Gmail' }).click();
    const dialog = page.locator('dialog#confirm');
    await dialog.getByText('Disconnect Gmail (dana@example.com)?').waitFor();
    await shot('integrations-confirm');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await card('gmail').locator('.badge', { hasText: 'Connected' }).waitFor();

    await card('gmail').getByRole('button', { name: 'Disconnect Gmail' }).click();
    await dialog.getByRole('button', { name: 'Disconnect' }).click();
    await page.locator('#banner', { hasText: 'Gmail is disconnected.' }).waitFor();
    await card('gmail').locator('.badge', { hasText: 'Not connected' }).waitFor();
    const n = dbExec(w.srv, "SELECT count(*) FROM integrations WHERE provider = 'gmail'");
    assert.equal(n, '0');
  });

  test('a declined consent comes back as a sentence in the banner', async () => {
    await page.goto(`${w.srv.url}/dashboard/integrations?error=access_denied&provider=outlook`);
    await page.locator('#banner', { hasText: 'Outlook: You declined the request at the provider' }).waitFor();
  });

  test('IMAP: a wrong password is explained; the right one connects the mailbox', async () => {
    assert.ok(await page.locator('#imap-disconnect').isHidden(), 'no Disconnect without a mailbox');
    await page.getByLabel('Server (host)').fill(dove.addr);
    await page.getByLabel('Port').fill(String(dove.portTls));
    await page.getByLabel('Username').fill(MAILBOX);
    await page.getByLabel('App password').fill('not-the-password');
    await page.getByRole('button', { name: 'Connect mailbox' }).click();
    await page.locator('#imap-message', { hasText: 'The mail server refused the username or password.' }).waitFor();
    await shot('integrations-imap-wrong-password');

    await page.getByLabel('App password').fill(MAILBOX_PW);
    await page.getByRole('button', { name: 'Connect mailbox' }).click();
    await page.locator('#imap-message', { hasText: `Connected ${MAILBOX}.` }).waitFor();
    await page.locator('#imap-status', { hasText: 'Connected' }).waitFor();
    assert.equal(await page.getByLabel('App password').inputValue(), '', 'the password field is cleared');
    assert.ok(await page.locator('#imap-disconnect').isVisible());
    await shot('integrations-imap-connected');
  });

  test('Import: pick a Chrome export, see its counts and the problems, then open the vault', async () => {
    await page.getByRole('link', { name: 'Import' }).click();
    await page.waitForURL(`${w.srv.url}/dashboard/import`);
    await checkPage('import');
    await page.setInputFiles('#file', FIXTURE);
    await page.locator('#file-name', { hasText: 'passimport-chrome-note-ragged.csv' }).waitFor();
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.locator('#report').waitFor({ state: 'visible' });
    const count = async (k) => page.locator(`#counts dd[data-count="${k}"]`).textContent();
    assert.equal(await count('format'), 'chrome');
    assert.equal(await count('read'), '14');
    assert.equal(await count('imported'), '12');
    assert.equal(await count('duplicates'), '0');
    assert.equal(await count('skipped'), '2');
    assert.equal(await count('failed'), '0');
    const reasons = await page.locator('table.problems tbody td:nth-child(3)').allTextContents();
    assert.ok(reasons.some((r) => /note only/.test(r)), `problems: ${reasons.join(' / ')}`);
    assert.ok(reasons.some((r) => /empty entry/.test(r)), `problems: ${reasons.join(' / ')}`);
    await shot('import-report');
    await page.getByRole('link', { name: 'Open the vault' }).click();
    await page.waitForURL(`${w.srv.url}/dashboard/vault`);
  });

  test('Vault: search by site, reveal and copy a password, delete an entry after confirming', async () => {
    await page.locator('#summary', { hasText: '12 entries.' }).waitFor();
    await checkPage('vault');
    await shot('vault');
    await page.getByLabel('Search by name or site').fill('mastodon');
    await page.locator('#summary', { hasText: '1 of 12 entries match.' }).waitFor();
    const entry = page.locator('li.entry');
    assert.equal(await entry.count(), 1);
    await entry.getByRole('button', { name: 'Reveal the password of mastodon.social' }).click();
    const secret = entry.locator('code.secret');
    await secret.waitFor();
    assert.equal(await secret.textContent(), "D<INNeT?#?Bf4%`zA/4i!/'$T");
    await entry.getByRole('button', { name: 'Copy the password of mastodon.social' }).click();
    await entry.getByText('Copied.').waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), "D<INNeT?#?Bf4%`zA/4i!/'$T");
    await shot('vault-revealed');

    await entry.getByRole('button', { name: 'Delete mastodon.social' }).click();
    await page.locator('dialog#confirm').getByRole('button', { name: 'Delete' }).click();
    await page.locator('#vault-message', { hasText: '"mastodon.social" deleted.' }).waitFor();
    await page.getByLabel('Search by name or site').fill('');
    await page.locator('#summary', { hasText: '11 entries.' }).waitFor();
    // The server agrees (a reload reads it again).
    await page.reload();
    await page.locator('#summary', { hasText: '11 entries.' }).waitFor();
  });

  test('Sign out ends the session; dashboard pages send the browser back to sign in', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${w.srv.url}/`);
    await page.goto(`${w.srv.url}/dashboard/import`);
    await page.waitForURL(/\/\?next=%2Fdashboard%2Fimport$/);
    // And signing in again works from the same page.
    await page.getByLabel('E-mail').first().fill(user.email);
    await page.getByLabel('Password').first().fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${w.srv.url}/dashboard/import`);
    const r = await api(w.srv, 'GET', '/api/auth/session');
    assert.equal(r.status, 401, 'no cookie, no session (the test client is not the browser)');
  });
});
