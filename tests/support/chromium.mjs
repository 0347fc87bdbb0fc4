// chromium.mjs - the one way the tests start headless Debian Chromium
// (playwright-core, no downloaded browser): a persistent context in a
// scratch profile, with the flags that work on these machines (no sandbox,
// no GPU, nothing fetched in the background). close() also removes the
// profile.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

export async function launchChromium({ defaultTimeout = 15_000, ...options } = {}) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'tide-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      timeout: 30_000,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      ...options,
    });
  } catch (e) {
    fs.rmSync(profile, { recursive: true, force: true });
    throw e;
  }
  context.setDefaultTimeout(defaultTimeout);
  return {
    context,
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}
