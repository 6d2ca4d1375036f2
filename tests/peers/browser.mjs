// Headless Chromium from Debian's `chromium` package, driven by
// playwright-core (installed from tests/peers/package-lock.json; it never
// downloads a browser). Each launch gets a fresh profile directory, removed
// on close.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Starts the browser; resolves {context, page, close()}. opts go to launchPersistentContext. */
export async function launchBrowser(opts = {}) {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} missing: scripts/install-deps.sh installs the chromium package`);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'passagent-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: ARGS, ...opts,
  });
  const page = context.pages()[0] || await context.newPage();
  return {
    context,
    page,
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}
