/**
 * The playground on a real provider's length cut-off: the answer carries a
 * "truncated" chip live (done.finish_reason) and again when the session's
 * history is opened (citations.finish_reason).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext } from 'playwright-core';
import { formatNamed, startProviderHarness, type ProviderHarness } from './provider-harness.js';

let harness: ProviderHarness;
let browser: BrowserContext;
let userDataDir: string;
const byTestId = (id: string) => `[data-testid="${id}"]`;

beforeAll(async () => {
  harness = await startProviderHarness();
  userDataDir = mkdtempSync(join(tmpdir(), 'quarry-chromium-'));
  browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await harness?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

describe('playground on a truncated answer', () => {
  it('shows a truncated chip live and from history', async () => {
    const openai = formatNamed('openai');
    const { head, tail } = openai.stream({ text: ['The first half of'], finish: 'length' });
    harness.play(openai, [{ events: [...head, ...tail] }]);
    const page = browser.pages()[0] ?? (await browser.newPage());
    page.setDefaultTimeout(15_000);
    await page.goto(harness.server.url);
    await page.fill(byTestId('api-key-input'), harness.server.apiKey);
    await page.click(byTestId('connect-button'));
    await page.click(byTestId('new-session-button'));
    await page.click(byTestId('create-session-button'));
    await page.waitForSelector(`${byTestId('message-input')}:not([disabled])`);
    await page.fill(byTestId('message-input'), 'Tell me everything');
    await page.keyboard.press('Control+Enter');
    await page.waitForSelector(byTestId('done-stats'));
    expect(await page.textContent(byTestId('truncated-chip'))).toBe('truncated');

    await page.reload();
    // The playground remembers the key; connect again only if it asks.
    const connected = await page.waitForSelector(byTestId('session-item'), { timeout: 5000 }).then(
      () => true,
      () => false,
    );
    if (!connected) {
      await page.fill(byTestId('api-key-input'), harness.server.apiKey);
      await page.click(byTestId('connect-button'));
    }
    await page.click(byTestId('session-item'));
    await page.waitForSelector(byTestId('truncated-chip'));
    expect(await page.locator(byTestId('truncated-chip')).count()).toBe(1);
  }, 60_000);
});
