// Password import over HTTP against every shared fixture file: the counts
// PassAgent's policy gives for each (docs/API.md, "Import policy"), and the
// exact fields of chosen entries, passwords byte for byte after reveal.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, stopClean, register, api, assertError } from './lib/server.mjs';
import {
  fixture, fixtureFiles, importMultipart, importJson, listAll, reveal, counts,
} from './lib/vault.mjs';

const LIMITS = 'auth=100000/60,reveal=100000/60,general=1000000/60';

// [format, total, imported, duplicates, skipped, failed]
const C = (format, total, imported, duplicates, skipped, failed = 0) =>
  ({ format, total, imported, duplicates, skipped, failed });
const ERR = (status, code) => ({ status, code });

// What a correct import of each fixture gives (auto-detected unless
// `format` is set). Non-logins are skipped (and listed); rows with neither
// username, password nor URL are skipped unless the format types them as logins.
const EXPECTED = {
  '1password/jslib-1p7-mac-creditCard.csv': C('1password', 1, 0, 0, 1),
  '1password/jslib-1p7-mac-identity.csv': C('1password', 1, 0, 0, 1),
  '1password/jslib-1p7-mac-multipleItems.csv': C('1password', 4, 1, 0, 3),
  '1password/jslib-1p7-windows-creditCard.csv': C('1password', 1, 0, 0, 1),
  '1password/jslib-1p7-windows-identity.csv': C('1password', 1, 0, 0, 1),
  '1password/passimport-1password4.csv': C('1password', 14, 12, 0, 2),
  '1password/passimport-1password6-wide.csv': C('1password', 14, 12, 0, 2),
  '1password/passimport-1password8.csv': C('1password', 14, 12, 0, 2),
  'bitwarden/bwclients-account-encrypted-empty.json': ERR(422, 'BITWARDEN_ACCOUNT_ENCRYPTED'),
  'bitwarden/bwclients-cipher-with-collections.json': C('bitwarden', 1, 1, 0, 0),
  'bitwarden/bwclients-unencrypted-with-cipher-key.json': C('bitwarden', 1, 1, 0, 0),
  'bitwarden/bwhelp-bitwarden_export.csv': C('bitwarden', 4, 3, 0, 1),
  'bitwarden/bwhelp-bitwarden_export.json': C('bitwarden', 4, 1, 0, 3),
  'bitwarden/bwhelp-bitwarden_export_org.csv': C('bitwarden', 4, 3, 0, 1),
  'bitwarden/bwhelp-bitwarden_org_export.json': C('bitwarden', 4, 1, 0, 3),
  'bitwarden/bwsdk-json_export.json': C('bitwarden', 5, 1, 0, 4),
  'bitwarden/jslib-empty.json': ERR(422, 'IMPORT_EMPTY'),
  'bitwarden/jslib-passwordProtected.json': ERR(422, 'BITWARDEN_PASSWORD_REQUIRED'),
  'bitwarden/keepassxc-bitwarden_encrypted_export.json': { fields: { password: 'a' }, ...C('bitwarden', 1, 1, 0, 0) },
  'bitwarden/keepassxc-bitwarden_export.json': C('bitwarden', 4, 1, 0, 3),
  'bitwarden/passimport-bitwarden-org.csv': C('bitwarden', 14, 12, 0, 2),
  'bitwarden/passimport-bitwarden-org.json': C('bitwarden', 14, 12, 0, 2),
  'bitwarden/passimport-bitwarden-other.csv': C('bitwarden', 3, 2, 0, 1),
  'bitwarden/passimport-bitwarden-other.json': C('bitwarden', 6, 3, 0, 3),
  'bitwarden/passimport-bitwarden.csv': C('bitwarden', 14, 12, 0, 2),
  'bitwarden/passimport-bitwarden.json': C('bitwarden', 14, 12, 0, 2),
  'bitwarden/protonpass-bitwarden-b2b-org.json': C('bitwarden', 2, 2, 0, 0),
  'bitwarden/synthetic-bom-multi-uri-fields-unknown-type.csv': C('bitwarden', 3, 1, 0, 2),
  'chrome/bwclients-android-data.csv': C('chrome', 1, 1, 0, 0),
  'chrome/bwclients-note-data-crlf.csv': C('chrome', 1, 1, 0, 0),
  'chrome/passimport-chrome-note-ragged.csv': C('chrome', 14, 12, 0, 2),
  'chrome/passimport-chromesqlite-NOT-an-export.csv': ERR(400, 'IMPORT_UNKNOWN_FORMAT'),
  'chrome/synthetic-affiliated-duplicates-android-empty-pw-crlf.csv': C('chrome', 5, 4, 1, 0),
  'csv/chromium-duplicated-username-columns.csv': ERR(400, 'IMPORT_FORMAT_MISMATCH'),
  'csv/chromium-header-variations-login_uri.csv': C('csv', 1, 1, 0, 0),
  'csv/chromium-multiple-note-columns.csv': C('csv', 1, 1, 0, 0),
  'csv/chromium-skips-empty-lines.csv': C('csv', 2, 1, 1, 0),
  'csv/passimport-dummyformat-header-mismatch.csv': ERR(400, 'IMPORT_UNKNOWN_FORMAT'),
  'csv/protonpass-own-export.csv': C('csv', 4, 1, 0, 3),
  'csv/synthetic-bom-crlf-quoting-unicode.csv': C('chrome', 7, 7, 0, 0),
  'csv/synthetic-duplicates.csv': C('chrome', 5, 3, 2, 0),
  'csv/synthetic-formula-and-hash-leading.csv': C('chrome', 3, 3, 0, 0),
  'csv/synthetic-header-reordered-case-extra-cols.csv': C('csv', 2, 2, 0, 0),
  'csv/synthetic-long-values.csv': C('chrome', 3, 3, 0, 0),
  'csv/synthetic-malformed-quotes-nul.csv': ERR(400, 'IMPORT_ENCODING'),
  'csv/synthetic-ragged-rows-blank-lines-no-final-newline.csv': C('chrome', 4, 4, 0, 0),
  'csv/synthetic-semicolon-excel-sep-line.csv': C('chrome', 3, 3, 0, 0),
  'csv/synthetic-utf16le-bom-tab.csv': C('chrome', 2, 2, 0, 0),
  'dashlane/bwclients-payments-payment-card.csv': C('dashlane', 1, 0, 0, 1),
  'dashlane/jslib-credentials.csv': C('dashlane', 1, 1, 0, 0),
  'dashlane/jslib-ids.csv': C('dashlane', 5, 0, 0, 5),
  'dashlane/jslib-multiplePersonalInfo.csv': C('dashlane', 6, 0, 0, 6),
  'dashlane/jslib-payments.csv': C('dashlane', 2, 0, 0, 2),
  'dashlane/jslib-personalInfo.csv': C('dashlane', 5, 0, 0, 5),
  'dashlane/jslib-securenotes.csv': C('dashlane', 1, 0, 0, 1),
  'dashlane/passimport-dashlane-legacy-headerless.csv': { fields: { format: 'dashlane' }, ...C('dashlane', 14, 12, 0, 2) },
  'dashlane/passimport-dashlane-legacy.json': C('dashlane', 14, 12, 0, 2),
  'dashlane/protonpass-dashlane-credentials.csv': C('dashlane', 8, 7, 1, 0),
  'dashlane/protonpass-dashlane-payments.csv': C('dashlane', 3, 0, 0, 3),
  'dashlane/protonpass-dashlane-personal-info.csv': C('dashlane', 1, 0, 0, 1),
  'dashlane/protonpass-dashlane-secure-notes.csv': C('dashlane', 3, 0, 0, 3),
  'json/passimport-dummy-INVALID.json': ERR(400, 'IMPORT_PARSE_ERROR'),
  'json/synthetic-array-basic.json': C('json', 4, 4, 0, 0),
  'json/synthetic-bom-escapes-surrogates.json': ERR(400, 'IMPORT_PARSE_ERROR'),
  'json/synthetic-empty-array.json': ERR(422, 'IMPORT_EMPTY'),
  'json/synthetic-top-level-object-not-array.json': ERR(400, 'IMPORT_FORMAT_MISMATCH'),
  'json/synthetic-trailing-comma-comments.json': ERR(400, 'IMPORT_PARSE_ERROR'),
  'json/synthetic-truncated.json': ERR(400, 'IMPORT_PARSE_ERROR'),
  'lastpass/bwclients-spec-creditcard-old-header.csv': C('lastpass', 1, 0, 0, 1),
  'lastpass/bwclients-spec-login-totp-indented-row.csv': C('lastpass', 1, 1, 0, 0),
  'lastpass/bwclients-spec-typed-secure-notes.csv': C('lastpass', 3, 0, 0, 3),
  'lastpass/passimport-lastpass-no-totp.csv': C('lastpass', 14, 12, 0, 2),
  'lastpass/protonpass-lastpass-crcrlf-terminated-CRstripped.csv': C('lastpass', 3, 0, 0, 3),
  'lastpass/protonpass-lastpass.csv': C('lastpass', 12, 5, 0, 7),
  'lastpass/synthetic-html-entities-crlf-none-grouping.csv': C('lastpass', 3, 2, 0, 1),
};

let srv;
before(async () => { srv = await startServer({ env: { PASSAGENT_RATE_LIMITS: LIMITS } }); });
after(async () => { await stopClean(srv); });

// Imports one fixture as a fresh user; returns {u, res}.
async function importFixture(rel, fields = {}) {
  const u = await register(srv);
  const res = await importMultipart(srv, u, fixture(rel), fields);
  return { u, res };
}

// The listed entry with this name, and its revealed secrets.
async function entryNamed(u, name) {
  const list = await listAll(srv, u);
  const e = list.find((x) => x.name === name);
  assert.ok(e, `no entry named ${JSON.stringify(name)} in ${JSON.stringify(list.map((x) => x.name))}`);
  return { ...e, secret: await reveal(srv, u, e.id) };
}

describe('every fixture file imports to the counts the policy gives', () => {
  test('the table covers every fixture file', () => {
    const missing = fixtureFiles().filter((f) => /\.(csv|json)$/.test(f) && !(f in EXPECTED));
    assert.deepEqual(missing, [], 'fixture files without an expectation');
  });
  for (const [rel, exp] of Object.entries(EXPECTED)) {
    test(rel, async () => {
      const { u, res } = await importFixture(rel, exp.fields);
      if (exp.code) {
        assertError(res, exp.status, exp.code);
        assert.equal((await listAll(srv, u)).length, 0, 'a refused file imports nothing');
        return;
      }
      assert.equal(res.status, 200, res.text);
      const { fields, ...want } = exp;
      assert.deepEqual(counts(res.json), want);
      assert.equal(res.json.success, true);
      const listed = await listAll(srv, u);
      assert.equal(listed.length, want.imported, 'the vault holds exactly the imported entries');
      const reported = res.json.problems.filter((p) => !/^imported;/.test(p.reason)).length;
      assert.equal(reported, want.duplicates + want.skipped + want.failed,
        'every entry not imported is listed in problems');
      for (const e of listed) assert.ok(!('password' in e) && !('notes' in e) && !('totp' in e));
    });
  }
});

describe('chosen entries keep their exact fields', () => {
  test('generic CSV: BOM, CRLF, quoted comma, doubled quotes, line breaks, Unicode, spaces', async () => {
    const { u } = await importFixture('csv/synthetic-bom-crlf-quoting-unicode.csv');
    const comma = await entryNamed(u, 'Comma, Inc');
    assert.equal(comma.username, 'bob,smith');
    assert.equal(comma.secret.password, 'pa,ss');
    assert.equal(comma.website, 'comma.example');
    const quote = await entryNamed(u, 'Quote "Q" Ltd');
    assert.equal(quote.secret.password, 'he said "hi"');
    const multi = await entryNamed(u, 'Multi\nLine Name');
    assert.equal(multi.secret.password, 'line1\nline2', 'a quoted CRLF is kept as one LF');
    const uni = await entryNamed(u, 'Ünïcödé 日本語 עברית');
    assert.equal(uni.username, 'émilie');
    assert.equal(uni.secret.password, 'пароль🔑');
    assert.equal(uni.website, 'xn--bcher-kva.example');
    const space = await entryNamed(u, 'Trailing Space ');
    assert.equal(space.username, ' frank ');
    assert.equal(space.secret.password, ' pw with spaces ', 'passwords are never trimmed');
    const derived = await entryNamed(u, 'no-name.example');
    assert.equal(derived.url, 'https://no-name.example/');
    assert.equal(derived.secret.password, 'nonamepw');
  });

  test('Chrome: CRLF note with comma, doubled quotes and an embedded line break', async () => {
    const { u } = await importFixture('chrome/bwclients-note-data-crlf.csv');
    const e = await entryNamed(u, 'www.example.com');
    assert.equal(e.username, 'username@example.com');
    assert.equal(e.secret.password, 'wpC9qFvsbWQK5Z');
    assert.equal(e.secret.notes, 'First line, with a comma\nSecond line with "quotes"');
  });

  test('Chrome: an Android credential gets its package as name and website', async () => {
    const { u } = await importFixture('chrome/bwclients-android-data.csv');
    const e = await entryNamed(u, 'com.xyz.example.app.android');
    assert.equal(e.website, 'com.xyz.example.app.android');
    assert.match(e.url, /^android:\/\/.*@com\.xyz\.example\.app\.android\/$/);
    assert.equal(e.secret.password, 'Qh6W4Wz55YGFNU');
  });

  test('Chrome ragged rows: passwords with , \' ` \\ kept byte for byte', async () => {
    const { u } = await importFixture('chrome/passimport-chrome-note-ragged.csv');
    const e = await entryNamed(u, 'mastodon.social');
    assert.equal(e.username, 'ostqxi');
    assert.equal(e.secret.password, "D<INNeT?#?Bf4%`zA/4i!/'$T");
  });

  test('LastPass: indented URL trimmed, TOTP and notes kept', async () => {
    const { u } = await importFixture('lastpass/bwclients-spec-login-totp-indented-row.csv');
    const e = await entryNamed(u, 'example.com');
    assert.equal(e.url, 'http://example.com');
    assert.equal(e.username, 'someUser');
    assert.equal(e.has_totp, true);
    assert.deepEqual(e.secret, { password: 'myPassword', notes: 'super secure notes', totp: 'Y64VEVMBTSXCYIWRSHRNDZW62MPGVU2G' });
  });

  test('LastPass: HTML entities are kept and warned about by default', async () => {
    const { u, res } = await importFixture('lastpass/synthetic-html-entities-crlf-none-grouping.csv');
    assert.equal(res.json.warnings.length, 1);
    assert.match(res.json.warnings[0], /HTML entities/);
    const e = await entryNamed(u, 'Amp &amp; Co');
    assert.equal(e.secret.password, 'pa&amp;ss&lt;&gt;&quot;&#39;');
    assert.deepEqual(e.tags, ['Work/Sub']);
    assert.equal(e.favorite, true);
    const plain = await entryNamed(u, 'Plain');
    assert.deepEqual(plain.tags, [], '(none) means no folder');
  });

  test('LastPass: decodeEntities=true decodes them', async () => {
    const { u, res } = await importFixture('lastpass/synthetic-html-entities-crlf-none-grouping.csv',
      { decodeEntities: 'true' });
    assert.equal(res.status, 200, res.text);
    const e = await entryNamed(u, 'Amp & Co');
    assert.equal(e.username, 'user&co');
    assert.equal(e.secret.password, 'pa&ss<>"\'');
  });

  test('Bitwarden CSV: several URIs in one cell, custom fields into notes, folder, TOTP', async () => {
    const { u, res } = await importFixture('bitwarden/synthetic-bom-multi-uri-fields-unknown-type.csv');
    const e = await entryNamed(u, 'Multi URI');
    assert.deepEqual(e.urls, ['https://a.example/', 'https://b.example/', 'androidapp://com.example']);
    assert.equal(e.url, 'https://a.example/');
    assert.deepEqual(e.tags, ['Work/Dev']);
    assert.equal(e.favorite, true);
    assert.equal(e.secret.totp, 'otpauth://totp/X?secret=JBSWY3DPEHPK3PXP');
    assert.equal(e.secret.notes, 'PIN: 1234\nURL: https://x.example/: extra');
    const card = res.json.problems.find((p) => p.entry === 3);
    assert.match(card.reason, /unknown item type/);
    assert.equal(card.line, 5);
  });

  test('Bitwarden encrypted export (PBKDF2-SHA256): decrypted with its password', async () => {
    const { u } = await importFixture('bitwarden/keepassxc-bitwarden_encrypted_export.json', { password: 'a' });
    const e = await entryNamed(u, 'KeePassXC');
    assert.equal(e.urls.length, 2);
    assert.equal(e.favorite, true);
    assert.equal(e.secret.totp, 'fsfsfsfsefefef');
    assert.equal(e.has_totp, true);
  });

  test('Bitwarden encrypted export with a wrong password: 422 BITWARDEN_WRONG_PASSWORD', async () => {
    const { u, res } = await importFixture('bitwarden/keepassxc-bitwarden_encrypted_export.json', { password: 'b' });
    assertError(res, 422, 'BITWARDEN_WRONG_PASSWORD', /wrong export password/);
    assert.equal((await listAll(srv, u)).length, 0);
  });

  test('Bitwarden JSON: collections become tags, non-logins listed with their kind', async () => {
    const { u, res } = await importFixture('bitwarden/bwsdk-json_export.json');
    const reasons = res.json.problems.map((p) => p.reason).join('|');
    for (const kind of ['secure note', 'card', 'identity', 'SSH key']) assert.ok(reasons.includes(kind), kind);
    assert.equal((await listAll(srv, u)).length, 1);
  });

  test('1Password 7 Mac: backslash-escaped plist tags, items routed by Type with their kind', async () => {
    const { u, res } = await importFixture('1password/jslib-1p7-mac-multipleItems.csv');
    assert.deepEqual(res.json.problems.map((p) => [p.line, p.reason]), [
      [2, 'secure note: not a login'], [5, 'identity: not a login'], [10, 'credit card: not a login']]);
    const e = await entryNamed(u, '1Password Account');
    assert.deepEqual(e.tags, ['Starter Kit']);
    assert.equal(e.username, 'email@bitwarden.com');
    assert.equal(e.secret.password, "the account's password");
  });

  test('1Password 8: every value quoted, "false" favourites', async () => {
    const { u } = await importFixture('1password/passimport-1password8.csv');
    const e = await entryNamed(u, 'dpbx@afoqwdr.tx');
    assert.equal(e.favorite, false);
    assert.equal(e.secret.password, '9KVHnx:.S_S;cF`=CE@e\\p{v6');
  });

  test('Dashlane credentials: every row a login, extra usernames into notes, bare TOTP', async () => {
    const { u } = await importFixture('dashlane/protonpass-dashlane-credentials.csv');
    const e = await entryNamed(u, 'login with 2fa scanned from qr code');
    assert.deepEqual(e.secret, { password: 'pass', notes: 'username2: john2', totp: 'RL3FRZ5V3EBM7T4ZMGJWGO43MQSTTMIT' });
    const q = await entryNamed(u, 'password with comma , and quote "');
    assert.equal(q.secret.password, 'password,"comma"');
    assert.equal(q.url, 'https://example.com/comma,');
  });

  test('generic JSON: escapes and Unicode kept; a null name is derived from the URL', async () => {
    const { u } = await importFixture('json/synthetic-array-basic.json');
    const e = await entryNamed(u, 'Unicode é日本');
    assert.equal(e.secret.password, 'пароль🔑');
    assert.equal(e.secret.notes, 'line1\nline2\ttab "quoted" back\\slash');
    await entryNamed(u, 'nameless.example');
  });

  test('semicolon file after an Excel sep= line: a comma inside a field is data', async () => {
    const { u } = await importFixture('csv/synthetic-semicolon-excel-sep-line.csv');
    assert.equal((await entryNamed(u, 'Bank')).secret.password, 'geheim,123');
    assert.equal((await entryNamed(u, 'Semi;colon')).secret.password, 'pw;with;semis');
  });

  test('UTF-16LE with BOM, tab separated, is transcoded', async () => {
    const { u } = await importFixture('csv/synthetic-utf16le-bom-tab.csv');
    const e = await entryNamed(u, 'Tabbed');
    assert.equal(e.username, 'tabuser');
    assert.equal(e.secret.password, 'tabpw');
  });

  test('formula-looking and #-leading values are kept verbatim', async () => {
    const { u } = await importFixture('csv/synthetic-formula-and-hash-leading.csv');
    const e = await entryNamed(u, '#hash-first');
    assert.equal(e.username, '#user');
    assert.equal(e.secret.password, '#pw');
    assert.equal((await entryNamed(u, '=HYPERLINK("http://evil.example")')).secret.password, '-1+1');
  });

  test('a 1 200-byte password and a 12 000-byte note survive unchanged', async () => {
    const raw = fixture('csv/synthetic-long-values.csv').toString('utf8');
    const { u } = await importFixture('csv/synthetic-long-values.csv');
    const list = await listAll(srv, u);
    const lens = [];
    for (const e of list) {
      const s = await reveal(srv, u, e.id);
      lens.push(s.password.length, s.notes.length);
      assert.ok(raw.includes(s.password));
    }
    assert.ok(lens.some((n) => n >= 1200) && lens.some((n) => n >= 12000), `lengths ${lens}`);
  });

  test('the same file in JSON and in multipart gives the same reply', async () => {
    const data = fixture('lastpass/passimport-lastpass-no-totp.csv').toString('utf8');
    const a = await importJson(srv, await register(srv), { format: 'lastpass', data });
    const b = await importMultipart(srv, await register(srv), Buffer.from(data), { format: 'lastpass' });
    assert.equal(a.status, 200, a.text);
    assert.deepEqual(a.json, b.json);
  });

  test('an explicit format that does not fit the file: 400 naming line 1', async () => {
    const { res } = await importFixture('chrome/bwclients-note-data-crlf.csv', { format: 'lastpass' });
    assertError(res, 400, 'IMPORT_FORMAT_MISMATCH', /line 1/);
  });

  test('an unknown format name: 400 naming the field', async () => {
    const { res } = await importFixture('chrome/bwclients-note-data-crlf.csv', { format: 'keepass' });
    assertError(res, 400, 'VALIDATION_ERROR', /format/);
  });
});
