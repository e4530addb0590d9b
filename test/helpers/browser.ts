/**
 * Headless Chromium for the HTML gallery test: Debian's chromium, driven by
 * playwright-core (which downloads no browser of its own). Without chromium
 * the test skips locally; under CI it fails, so it cannot pass by not running.
 */
import fs from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = process.env.MXREC_CHROMIUM ?? '/usr/bin/chromium';

/** `{ skip }` option for node:test when there is no browser. */
export function skipWithoutChromium(): { skip?: string } {
  if (fs.existsSync(CHROMIUM)) return {};
  const reason = `${CHROMIUM} is not installed (.ci/run installs it: apt-get install -y chromium)`;
  if (process.env.CI) throw new Error(`CI must run the browser test: ${reason}`);
  return { skip: reason };
}

export function launchChromium(): Promise<Browser> {
  // Playwright passes --no-sandbox by default (chromiumSandbox: false), which running as root needs.
  return chromium.launch({ executablePath: CHROMIUM, headless: true });
}
